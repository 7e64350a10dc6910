import threading
import time

ORDERS = 4  # how many orders the waiter brings
COOKS = 2  # how many cooks wait for orders

orders = []
closed = False
condition = threading.Condition()  # a lock plus a waiting room


def cook():
    name = threading.current_thread().name
    while True:
        with condition:
            # The same as: while not (orders or closed): condition.wait()
            # wait releases the lock while waiting and takes it again on waking up
            condition.wait_for(lambda: orders or closed)
            if not orders:
                break
            order = orders.pop(0)
        print(f"{name} cooks {order}")  # cooks without the lock: the waiter can go on
        time.sleep(0.05)
    print(f"{name} goes home: the kitchen has closed")


def serve():
    global closed
    for i in range(ORDERS):
        time.sleep(0.04)
        with condition:  # shared state is only changed while holding the lock
            orders.append(f"order-{i + 1}")
            print(f"Waiter brings order-{i + 1}")
            condition.notify()  # wake one waiting cook
    with condition:
        closed = True
        condition.notify_all()  # wake everyone: they all need to hear about the closing


threads = [threading.Thread(target=cook, name=f"Cook-{i + 1}") for i in range(COOKS)]
threads.append(threading.Thread(target=serve, name="Waiter"))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
