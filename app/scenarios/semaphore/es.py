import threading
import time

WORKERS = 5  # cuántos hilos quieren entrar
SLOTS = 2  # cuántos pueden estar dentro a la vez
WORK = 0.1  # segundos que cada uno se queda dentro

lugares = threading.Semaphore(SLOTS)


def imprimir():
    nombre = threading.current_thread().name
    with lugares:  # toma una de las llaves; si no queda ninguna, espera
        print(f"{nombre} entra")
        time.sleep(WORK)
        print(f"{nombre} sale")


hilos = [threading.Thread(target=imprimir, name=f"Hilo-{i + 1}") for i in range(WORKERS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
