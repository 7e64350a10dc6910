import threading
import time

THREADS = 3  # cuántos hilos suman a la vez
ITERATIONS = 3  # cuántas veces suma 1 cada hilo
HOLD = 0.02  # segundos que cada hilo tiene el candado tomado

contador = 0
lock_1 = threading.Lock()  # el candado debe ser compartido por todos los hilos


def sumar_con_acquire():
    global contador
    for _ in range(ITERATIONS):
        lock_1.acquire()  # agarra el candado: solo quien lo tenga sigue
        leido = contador
        time.sleep(HOLD)
        contador = leido + 1
        lock_1.release()  # lo suelta: queda libre para otro hilo


def sumar_con_with():
    global contador
    for _ in range(ITERATIONS):
        with lock_1:  # lo mismo, y no hace falta soltarlo a mano
            leido = contador
            time.sleep(HOLD)
            contador = leido + 1


hilos = []
for i in range(THREADS):
    funcion = sumar_con_acquire if i % 2 == 0 else sumar_con_with
    hilos.append(threading.Thread(target=funcion, name=f"Hilo-{i + 1}"))
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Total: {contador}; esperado: {THREADS * ITERATIONS}")
