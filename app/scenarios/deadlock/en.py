import threading
import time

PAUSE = 0.1  # time holding the first lock before asking for the second

lock_1 = threading.Lock()
lock_2 = threading.Lock()


def take_both(first, second):
    name = threading.current_thread().name
    with first:
        print(f"{name} took its first lock")
        time.sleep(PAUSE)  # meanwhile, the other thread usually takes its own
        print(f"{name} asks for the second lock...")
        with second:  # if the other thread holds it, it waits for mine: neither goes on
            print(f"{name} has both")


# Both threads want the same locks, but in opposite orders
thread_1 = threading.Thread(target=take_both, args=(lock_1, lock_2), name="Thread-1")
thread_2 = threading.Thread(target=take_both, args=(lock_2, lock_1), name="Thread-2")
thread_1.start()
thread_2.start()
thread_1.join()
thread_2.join()
print("Printed only when no deadlock happened")
