import random
import threading
import time

THREADS = 3  # how many threads meet at the barrier

barrier = threading.Barrier(THREADS)  # opens once everyone has arrived


def hiker():
    name = threading.current_thread().name
    time.sleep(random.uniform(0.02, 0.3))  # each takes a different time to get there
    print(f"{name} reached the hut")
    turn = barrier.wait()  # wait until everyone is here
    print(f"{name} keeps climbing (turn {turn})")


threads = [threading.Thread(target=hiker, name=f"Thread-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("Everyone passed the barrier together")
