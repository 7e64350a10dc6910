import threading
import time

RUNNERS = 2  # cuántos hilos esperan la señal de salida
DELAY = 0.2  # segundos hasta que el juez da la salida

esperar = threading.Event()  # la salida
avisar = threading.Event()  # «alguien llegó»
revisar = threading.Event()  # una señal que solo se consulta


def correr():
    nombre = threading.current_thread().name
    print(f"{nombre} espera la salida")
    esperar.wait()  # espera hasta que se active la señal
    print(f"{nombre} sale corriendo")
    time.sleep(0.05)
    avisar.set()  # activa la señal: despierta a quien espere en avisar


def juzgar():
    time.sleep(DELAY)
    print(f"¿Alguien revisó antes de la salida? {revisar.is_set()}")
    esperar.set()  # todos los que esperan despiertan a la vez
    avisar.wait()
    print("Juez: alguien llegó a la meta")
    esperar.clear()  # desactiva la señal para una próxima carrera
    print(f"¿Salida activa después de clear()? {esperar.is_set()}")


hilos = [threading.Thread(target=correr, name=f"Corredor-{i + 1}") for i in range(RUNNERS)]
hilos.append(threading.Thread(target=juzgar, name="Juez"))
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
