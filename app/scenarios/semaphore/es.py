import threading
import time

WORKERS = 5  # cuántos hilos quieren entrar
SLOTS = 2  # cuántos pueden estar dentro a la vez
WORK = 0.1  # segundos que cada uno se queda dentro

lugares = threading.Semaphore(SLOTS)  # un contador que empieza en SLOTS


def trabajar():
    nombre = threading.current_thread().name
    with lugares:  # acquire() resta uno; si ya está en 0, espera a que alguien salga
        print(f"{nombre} entra")
        time.sleep(WORK)
        print(f"{nombre} sale y deja su lugar")
    # al salir del with, release() suma uno y despierta a un hilo que esperaba


hilos = [threading.Thread(target=trabajar, name=f"Trabajador-{i + 1}") for i in range(WORKERS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
