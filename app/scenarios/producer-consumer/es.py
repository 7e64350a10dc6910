import threading
import time
from queue import Queue

ITEMS = 4  # cuántos elementos fabrica el productor
PRODUCE_TIME = 0.05  # segundos para fabricar cada uno
CONSUME_TIME = 0.08  # segundos para procesar cada uno

cola = Queue()  # ya trae su propio candado: put() y get() son seguros entre hilos


def producir():
    for i in range(ITEMS):
        time.sleep(PRODUCE_TIME)
        elemento = f"pan-{i + 1}"
        cola.put(elemento)  # pone el elemento en la cola
        print(f"Productor puso {elemento}")


def consumir():
    while True:
        elemento = cola.get()  # saca un elemento; si no hay nada, espera hasta que haya algo
        time.sleep(CONSUME_TIME)
        print(f"Consumidor procesó {elemento}")
        cola.task_done()  # uno menos pendiente: cuando no quede ninguno, join() vuelve


# Daemon: su bucle no termina nunca, y así el programa puede acabar sin esperarlo
threading.Thread(target=consumir, name="Consumidor", daemon=True).start()
productor = threading.Thread(target=producir, name="Productor")
productor.start()
productor.join()  # ya se puso todo, pero puede que aún no se haya procesado
cola.join()  # espera hasta que cada elemento puesto tenga su task_done()
print("Todo procesado")
