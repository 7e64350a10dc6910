import threading
import time

NORMAL_WORK = 0.3  # seconds the normal thread works
DAEMON = True  # is Watcher a daemon? With False, the program waits for it too


def watch():
    # Five rounds of 0.1 s: longer than Normal with the default values
    for round_number in range(1, 6):
        print(f"Watcher: round {round_number}")
        time.sleep(0.1)
    print("Watcher: done with my rounds")  # a daemon that gets cut off never gets here


def work():
    print("Normal: starting")
    time.sleep(NORMAL_WORK)
    print("Normal: done")


# Daemon threads let the program end even while they are still running
watcher = threading.Thread(target=watch, name="Watcher", daemon=DAEMON)
normal = threading.Thread(target=work, name="Normal")
watcher.start()
normal.start()
# No join(): the main code ends here, but the program does not
print(f"{threading.current_thread().name} reached its end; is Watcher a daemon? {watcher.daemon}")
