import random
import threading
import time

THREADS = 3  # how many threads meet at the barrier


def open_barrier():
    print("Everyone is here: the barrier opens")  # run by the last one to arrive


barrier = threading.Barrier(THREADS, action=open_barrier)  # opens once THREADS threads arrive


def hiker():
    name = threading.current_thread().name
    time.sleep(random.uniform(0.02, 0.3))  # each takes a different time to get there
    print(f"{name} reached the hut")
    turn = barrier.wait()  # waits here until everyone has arrived
    print(f"{name} keeps climbing (wait returned {turn})")


threads = [threading.Thread(target=hiker, name=f"Hiker-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("Everyone passed the barrier")
