import threading
import time

THREADS = 3  # cuántos hilos suman a la vez
ITERATIONS = 4  # cuántas veces suma 1 cada hilo
USE_LOCK = False  # con True, el candado protege leer-calcular-escribir

contador = 0
candado = threading.Lock()


def sumar():
    global contador
    for _ in range(ITERATIONS):
        if USE_LOCK:
            candado.acquire()
        leido = contador  # 1. leer
        time.sleep(0.01)  # otro hilo puede ejecutar justo aquí
        contador = leido + 1  # 2 y 3. calcular y escribir: pisa lo que otro haya escrito
        if USE_LOCK:
            candado.release()


hilos = [threading.Thread(target=sumar, name=f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Total: {contador}; esperado: {THREADS * ITERATIONS}")
