# pytest plugin for python-sdk-tests.sh (SDK_ERRATA=1). The SDK's produce() returns a RecordMetadata and its
# consume() a ConsumedMessage, while its own integration tests still treat the first as the offset (comparing it
# with ints, passing it back as an offset) and the second as the value's bytes. Here each stands for what the tests
# expect; nothing about what the broker answers is changed.
from pyflymq.binary import RecordMetadata
from pyflymq.types import ConsumedMessage  # what FlyMQClient.consume returns


def _offset(value):
    return value.offset if isinstance(value, RecordMetadata) else value


RecordMetadata.__index__ = lambda self: self.offset
RecordMetadata.__int__ = lambda self: self.offset
for _name in ("__lt__", "__le__", "__gt__", "__ge__"):
    setattr(RecordMetadata, _name,
            (lambda op: lambda a, b: op(_offset(a), _offset(b)))(getattr(int, _name)))

_model_eq = ConsumedMessage.__eq__
ConsumedMessage.__eq__ = lambda self, other: (self.data == other if isinstance(other, (bytes, bytearray))
                                              else _model_eq(self, other))
ConsumedMessage.__hash__ = None
