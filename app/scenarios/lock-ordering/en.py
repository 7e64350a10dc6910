import threading
import time

PAUSE = 0.1  # time holding the first lock before asking for the second

lock_1 = threading.Lock()
lock_2 = threading.Lock()


def take_both(first, second):
    name = threading.current_thread().name
    with first:  # whoever comes second waits here, holding no lock at all
        print(f"{name} took its first lock")
        time.sleep(PAUSE)
        print(f"{name} asks for the second lock...")
        with second:  # free: nobody can hold it without having taken the first one
            print(f"{name} has both")


# The fix: both threads ask for the locks in the same order
thread_1 = threading.Thread(target=take_both, args=(lock_1, lock_2), name="Thread-1")
thread_2 = threading.Thread(target=take_both, args=(lock_1, lock_2), name="Thread-2")
thread_1.start()
thread_2.start()
thread_1.join()
thread_2.join()
print("Both finished: no deadlock")
