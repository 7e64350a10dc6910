import threading

THREADS = 4  # cuántos hilos suman a la vez
ITERATIONS = 2000  # cuántas veces suma 1 cada hilo
USE_LOCK = False  # con True, el candado mantiene entero cada +=

contador = 0
candado = threading.Lock()  # solo se usa si USE_LOCK es True


def funcion_hilo():
    global contador
    for _ in range(ITERATIONS):
        if USE_LOCK:
            with candado:
                contador += 1
        else:
            contador += 1  # leer, sumar, escribir: tres pasos, y ninguna pausa entre ellos


hilos = [threading.Thread(target=funcion_hilo, name=f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Total: {contador}; esperado: {THREADS * ITERATIONS}")
