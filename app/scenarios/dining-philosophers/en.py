import threading
import time

PHILOSOPHERS = 5  # how many philosophers (and forks) sit at the table
ORDERED = False  # True: each takes the lower-numbered fork first

forks = [threading.Lock() for _ in range(PHILOSOPHERS)]  # one between every two philosophers


def philosopher(i):
    name = threading.current_thread().name
    # Fork i is on the left and the next one on the right (the table is round)
    first, second = i, (i + 1) % PHILOSOPHERS
    if ORDERED:
        # A global order breaks the cycle: the last philosopher asks for fork 0 first
        first, second = min(first, second), max(first, second)
    with forks[first]:
        print(f"{name} took fork {first}")
        time.sleep(0.1)  # thinks for a moment: time for everyone to take a first fork
        print(f"{name} waits for fork {second}")
        with forks[second]:
            print(f"{name} eats")
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
