# Part of the reactivex stand-in (see __init__.py): names resolve, calls fail.
def __getattr__(name):
    def missing(*args, **kwargs):
        raise NotImplementedError("reactivex.operators." + name + " is not available (stand-in)")
    return missing
