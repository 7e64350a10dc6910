import threading
import time

USE_RLOCK = True  # with False, a plain Lock: the thread blocks itself

lock = threading.RLock() if USE_RLOCK else threading.Lock()
balance = 0


def record(amount):
    with lock:  # the same thread that already holds it asks for it again
        print(f"{threading.current_thread().name} records {amount} (lock taken twice)")


def deposit(amount):
    global balance
    with lock:
        print(f"{threading.current_thread().name} takes the lock and deposits {amount}")
        balance += amount
        time.sleep(0.05)
        record(amount)  # calls another protected function without releasing the lock
    # Here the lock is free: it was released as many times as it was taken


thread_1 = threading.Thread(target=deposit, args=(100,), name="Thread-1")
thread_2 = threading.Thread(target=deposit, args=(50,), name="Thread-2")
thread_1.start()
thread_2.start()
thread_1.join()
thread_2.join()
print(f"Final balance: {balance}")
