# Import-time stand-in for the reactivex package, which PyPI would provide: the SDK imports it at package load for
# its reactive API, which none of its integration tests use. Any use of it fails loudly.
class Observable:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("reactivex is not installed (stand-in used by python-sdk-tests.sh)")


class Subject(Observable):
    pass


from . import operators, scheduler  # noqa: E402,F401
