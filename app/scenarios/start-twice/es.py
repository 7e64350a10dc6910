import threading
import time


def saludar():
    print(f"Hola desde {threading.current_thread().name}")
    time.sleep(0.05)


hilo = threading.Thread(target=saludar, name="Hilo-1")
hilo.start()
hilo.join()

try:
    hilo.start()  # cada instancia de Thread se puede empezar una sola vez
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# Para repetir el trabajo se crea un hilo nuevo
otro = threading.Thread(target=saludar, name="Hilo-2")
otro.start()
otro.join()
