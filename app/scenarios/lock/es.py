import threading
import time

THREADS = 3  # cuántos hilos suman a la vez
ITERATIONS = 3  # cuántas veces suma 1 cada hilo
HOLD = 0.02  # segundos que cada hilo tiene el candado tomado

contador = 0
candado = threading.Lock()  # el candado debe ser compartido por todos los hilos


def sumar_con_acquire():
    global contador
    nombre = threading.current_thread().name
    for _ in range(ITERATIONS):
        candado.acquire()  # agarra el candado: solo quien lo tenga sigue
        leido = contador
        time.sleep(HOLD)  # nadie más puede leer mientras tanto: los demás esperan
        contador = leido + 1
        print(f"{nombre} (acquire): {contador}")
        candado.release()  # lo suelta: queda libre para otro hilo
        time.sleep(0.01)  # trabajo sin el candado: deja que otro lo tome


def sumar_con_with():
    global contador
    nombre = threading.current_thread().name
    for _ in range(ITERATIONS):
        with candado:  # lo mismo, y se suelta solo al salir del bloque, incluso con un error
            leido = contador
            time.sleep(HOLD)
            contador = leido + 1
            print(f"{nombre} (with): {contador}")
        time.sleep(0.01)


hilos = []
for i in range(THREADS):
    funcion = sumar_con_acquire if i % 2 == 0 else sumar_con_with
    hilos.append(threading.Thread(target=funcion, name=f"Hilo-{i + 1}"))
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Total: {contador}; esperado: {THREADS * ITERATIONS}")
