import threading
import time

PAUSE = 0.1  # segundos entre crear el hilo y empezarlo


def funcion_hilo():
    # current_thread() devuelve el hilo que ejecuta esta línea, no el que lo creó
    nombre = threading.current_thread().name
    print(f"Hola desde {nombre}")
    time.sleep(0.05)
    print(f"{nombre} termina")


# Crear el hilo no lo ejecuta: solo prepara qué hará y cómo se llama
hilo = threading.Thread(target=funcion_hilo, name="Hilo-1")
print(f"Hilo creado; ¿está vivo? {hilo.is_alive()}")
time.sleep(PAUSE)

hilo.start()  # recién ahora empieza a correr, en paralelo con el flujo principal
print(f"Esto lo imprime {threading.current_thread().name}")
hilo.join()
print("Fin del programa")
