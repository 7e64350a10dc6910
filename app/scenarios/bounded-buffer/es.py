import threading
import time
from queue import Queue

MAXSIZE = 2  # cuántos elementos caben en la cola
ITEMS = 6  # cuántos elementos fabrica el productor
CONSUME_TIME = 0.08  # el consumidor es más lento que el productor

cola = Queue(maxsize=MAXSIZE)


def producir():
    for i in range(ITEMS):
        cola.put(i + 1)  # si la cola está llena, espera a que haya lugar
        print(f"Productor puso {i + 1}; en la cola hay {cola.qsize()}")
    cola.put(None)  # None avisa al consumidor que no vendrá nada más


def consumir():
    while True:
        elemento = cola.get()
        if elemento is None:
            break
        time.sleep(CONSUME_TIME)
        print(f"Consumidor procesó {elemento}")


productor = threading.Thread(target=producir, name="Productor")
consumidor = threading.Thread(target=consumir, name="Consumidor")
productor.start()
consumidor.start()
productor.join()
consumidor.join()
