import threading
import time

PHILOSOPHERS = 5  # how many philosophers (and forks) sit at the table
ORDERED = False  # True: each takes the lower-numbered fork first

forks = [threading.Lock() for _ in range(PHILOSOPHERS)]


def philosopher(i):
    left, right = i, (i + 1) % PHILOSOPHERS
    if ORDERED:
        left, right = min(left, right), max(left, right)
    with forks[left]:
        print(f"Philosopher-{i + 1} took fork {left}")
        time.sleep(0.1)  # thinks for a moment: time for everyone to take a first fork
        with forks[right]:
            print(f"Philosopher-{i + 1} eats")
            time.sleep(0.05)


threads = [
    threading.Thread(target=philosopher, args=(i,), name=f"Philosopher-{i + 1}")
    for i in range(PHILOSOPHERS)
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("Everyone ate")
