"""Run as a child process by the lock tests: take the state lock, say so, hold it.

usage: python lock_holder.py STATE_PATH OPERATION HOLD_SECONDS [TIMEOUT_SECONDS [GO_FILE]]
With GO_FILE, it waits for that file to exist before it tries (a start line for races).
Prints ``LOCKED <id> <created>`` once it holds the lock, or ``BUSY <holder id> <holder pid>``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ncplan.errors import StateLockedError
from ncplan.state.backends.local import open_local
from ncplan.state.locking import acquire, new_lock_info


def main() -> int:
    path, operation, hold = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    go_file = Path(sys.argv[5]) if len(sys.argv) > 5 else None
    manager = open_local(path)
    while go_file is not None and not go_file.exists():
        time.sleep(0.005)
    try:
        info = new_lock_info(operation)
        lock_id = acquire(manager, info, timeout)
    except StateLockedError as error:
        holder = error.info
        print("BUSY", holder.id if holder else "-", holder.extra.get("pid") if holder else "-",
              flush=True)
        return 3
    print("LOCKED", lock_id, info.created, flush=True)
    time.sleep(hold)
    manager.unlock(lock_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
