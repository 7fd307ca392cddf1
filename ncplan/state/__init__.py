"""The state: model, (de)serialization, managers and backends (local file, Consul KV)."""

from ncplan.state.backends import open_backend
from ncplan.state.codec import decode, encode
from ncplan.state.locking import Locker, acquire, locked, new_lock_info
from ncplan.state.manager import Persister, Reader, StateManager, StateStorage, Writer
from ncplan.state.model import CURRENT_VERSION, ResourceState, State

__all__ = [
    "CURRENT_VERSION",
    "Locker",
    "Persister",
    "Reader",
    "ResourceState",
    "State",
    "StateManager",
    "StateStorage",
    "Writer",
    "acquire",
    "decode",
    "encode",
    "locked",
    "new_lock_info",
    "open_backend",
]
