import threading
import time

THREADS = 2  # how many threads withdraw from the same account
AMOUNT = 80  # how much each thread wants to withdraw
PAUSE = 0.01  # seconds between checking the balance and withdrawing
USE_LOCK = False  # with True, the lock keeps the check and the withdrawal together

balance = 100  # the account every thread shares
lock = threading.Lock()  # only used when USE_LOCK is True


def withdraw():
    global balance
    name = threading.current_thread().name
    if USE_LOCK:
        lock.acquire()
    seen = balance
    if seen >= AMOUNT:  # 1. check: is there enough money?
        print(f"{name} sees {seen}: enough to withdraw {AMOUNT}")
        time.sleep(PAUSE)  # another thread may check right here and see the same balance
        balance -= AMOUNT  # 2. act: withdraw, trusting a check that may be out of date
        print(f"{name} withdraws {AMOUNT}")
    else:
        print(f"{name} sees {seen}: not enough to withdraw {AMOUNT}")
    if USE_LOCK:
        lock.release()


print(f"Initial balance: {balance}")
threads = [threading.Thread(target=withdraw, name=f"Thread-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"Final balance: {balance}")
