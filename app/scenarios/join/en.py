import threading
import time

WORK = 0.3  # seconds each thread works
JOIN_TIMEOUT = 0.1  # the longest the main flow waits for the second thread


def work():
    print(f"{threading.current_thread().name} starts working")
    time.sleep(WORK)
    print(f"{threading.current_thread().name} finished")


thread_1 = threading.Thread(target=work, name="Thread-1")
thread_1.start()
print(f"Is Thread-1 alive? {thread_1.is_alive()}")
thread_1.join()  # the main flow pauses until Thread-1 ends
print(f"After join(): is Thread-1 alive? {thread_1.is_alive()}")

# Thread-2 is only created now, so it cannot start before Thread-1 has ended
thread_2 = threading.Thread(target=work, name="Thread-2")
thread_2.start()
thread_2.join(timeout=JOIN_TIMEOUT)  # returns when time is up, whether the thread ended or not
print(f"After join(timeout): is Thread-2 alive? {thread_2.is_alive()}")
thread_2.join()
print("End of the program")
