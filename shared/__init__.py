"""The layer's code: `core` (the request path, storage, metrics) and one package per domain.

In a Lambda execution environment (`AWS_LAMBDA_FUNCTION_NAME` is set) the first import of this package pauses
Python's cyclic garbage collector until the handler is built. Init makes ~85 000 objects that live as long as the
environment and a few hundred that are garbage, and the collections it would trigger on the way (~70 young ones,
each walking everything younger than the last) cost ~8 % of a cold start. Once the handler is built
(`init_done`, called by `shared.core.snapstart.install`, which every handler factory calls) what init made is
moved out of the collector's sight for good (`gc.freeze`) and collection resumes for what requests make.
Anywhere else (tests, the local gateway, the benches) nothing changes.
"""
import gc
import os

_collection_paused = "AWS_LAMBDA_FUNCTION_NAME" in os.environ and gc.isenabled()
if _collection_paused:
    gc.disable()


def init_done() -> None:
    """The handler is built: freeze what init made, then let the collector run again (once; later calls do nothing)."""
    global _collection_paused
    if _collection_paused:
        _collection_paused = False
        gc.freeze()
        gc.enable()
