import threading
import time

THREADS = 3  # cuántos hilos suman a la vez
ITERATIONS = 4  # cuántas veces suma 1 cada hilo
USE_LOCK = False  # con True, el candado protege leer-calcular-escribir

contador = 0
candado = threading.Lock()  # solo se usa si USE_LOCK es True


def funcion_hilo():
    global contador
    nombre = threading.current_thread().name
    for _ in range(ITERATIONS):
        if USE_LOCK:
            candado.acquire()
        leido = contador  # 1. leer
        print(f"{nombre} lee {leido}")
        time.sleep(0.01)  # otro hilo puede ejecutar justo aquí y leer el mismo valor
        contador = leido + 1  # 2 y 3. calcular y escribir: pisa lo que otro haya escrito
        print(f"{nombre} escribe {contador}")
        if USE_LOCK:
            candado.release()


hilos = [threading.Thread(target=funcion_hilo, name=f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Total: {contador}; esperado: {THREADS * ITERATIONS}")
