import threading
import time

NORMAL_WORK = 0.3  # seconds the normal thread works


def watch():
    round_number = 0
    while True:  # an endless loop: it can only end because it is a daemon
        round_number += 1
        print(f"Watcher: round {round_number}")
        time.sleep(0.1)
    print("Watcher: goodbye")  # never gets here


def work():
    print("Normal: starting")
    time.sleep(NORMAL_WORK)
    print("Normal: done")


# Daemon threads let the program end even while they are still running
watcher = threading.Thread(target=watch, name="Watcher", daemon=True)
normal = threading.Thread(target=work, name="Normal")
watcher.start()
normal.start()
print("MainThread reached its end; the program waits for Normal, not for Watcher")
