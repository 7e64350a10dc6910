import threading
import time

RUNNERS = 3  # how many runners wait for the start
DELAY = 0.2  # seconds until the judge starts the race

wait_signal = threading.Event()  # the start: runners wait for it to be set
notify_signal = threading.Event()  # the first to finish notifies the judge
check_signal = threading.Event()  # "we have a winner": checked, nobody waits on it


def run_race(seconds):
    name = threading.current_thread().name
    print(f"{name} waits for the start")
    wait_signal.wait()  # stays here until someone calls wait_signal.set()
    time.sleep(seconds)  # each runner takes a different time to finish
    if check_signal.is_set():  # is_set() never waits: it answers True or False right now
        print(f"{name} finishes, but there is already a winner")
    else:
        print(f"{name} finishes first")
        notify_signal.set()  # wakes the judge, who waits in notify_signal.wait()


def judge():
    time.sleep(DELAY)
    print("Judge: go!")
    wait_signal.set()  # everyone waiting wakes up at once
    notify_signal.wait()
    check_signal.set()  # from now on, whoever checks knows there is a winner
    print(f"Judge: we have a winner! Is notify_signal set? {notify_signal.is_set()}")
    notify_signal.clear()  # turns it off: a new notify_signal.wait() would wait again
    print(f"Judge: after clear(), is notify_signal set? {notify_signal.is_set()}")


threads = [
    threading.Thread(target=run_race, args=(0.1 * (i + 1),), name=f"Runner-{i + 1}")
    for i in range(RUNNERS)
]
threads.append(threading.Thread(target=judge, name="Judge"))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
