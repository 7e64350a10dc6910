import threading
import time

RUNNERS = 3  # cuántos corredores esperan la salida
DELAY = 0.2  # segundos hasta que el juez da la salida

esperar = threading.Event()  # la salida: los corredores esperan a que se active
avisar = threading.Event()  # el primero en llegar a la meta avisa al juez
revisar = threading.Event()  # «ya hay ganador»: se revisa, nadie la espera


def correr(segundos):
    nombre = threading.current_thread().name
    print(f"{nombre} espera la salida")
    esperar.wait()  # se queda aquí hasta que alguien haga esperar.set()
    time.sleep(segundos)  # cada corredor tarda distinto en llegar
    if revisar.is_set():  # is_set() no espera: responde True o False en este momento
        print(f"{nombre} llega a la meta, pero ya había ganador")
    else:
        print(f"{nombre} llega primero")
        avisar.set()  # despierta al juez, que espera en avisar.wait()


def juzgar():
    time.sleep(DELAY)
    print("Juez: ¡salida!")
    esperar.set()  # todos los que esperan despiertan a la vez
    avisar.wait()
    revisar.set()  # desde ahora, quien revise sabrá que ya hay ganador
    print(f"Juez: ¡tenemos ganador! ¿avisar está activa? {avisar.is_set()}")
    avisar.clear()  # la apaga: un nuevo avisar.wait() volvería a esperar
    print(f"Juez: después de clear(), ¿avisar está activa? {avisar.is_set()}")


hilos = [
    threading.Thread(target=correr, args=(0.1 * (i + 1),), name=f"Corredor-{i + 1}")
    for i in range(RUNNERS)
]
hilos.append(threading.Thread(target=juzgar, name="Juez"))
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
