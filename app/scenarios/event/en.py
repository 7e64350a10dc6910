import threading
import time

RUNNERS = 2  # how many threads wait for the start signal
DELAY = 0.2  # seconds until the judge starts the race

start_signal = threading.Event()  # the start
done_signal = threading.Event()  # "someone arrived"
check_signal = threading.Event()  # a signal that is only looked at


def run_race():
    name = threading.current_thread().name
    print(f"{name} waits for the start")
    start_signal.wait()  # blocks until the signal is on
    print(f"{name} sets off")
    time.sleep(0.05)
    done_signal.set()  # turn the signal on: wakes whoever waits on done_signal


def judge():
    time.sleep(DELAY)
    print(f"Did anyone check before the start? {check_signal.is_set()}")
    start_signal.set()  # everyone waiting wakes up at once
    done_signal.wait()
    print("Judge: someone reached the finish line")
    start_signal.clear()  # turn the signal off, ready for another race
    print(f"Is the start on after clear()? {start_signal.is_set()}")


threads = [threading.Thread(target=run_race, name=f"Runner-{i + 1}") for i in range(RUNNERS)]
threads.append(threading.Thread(target=judge, name="Judge"))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
