import threading
import time

THREADS = 3  # cuántas instancias de MiThread se crean
SHARED = True  # False: cada instancia crea su propio candado en __init__


class MiThread(threading.Thread):
    lock = threading.Lock()  # atributo de clase: uno solo para todas las instancias

    def __init__(self, nombre):
        super().__init__(name=nombre)
        if not SHARED:
            self.lock = threading.Lock()  # uno por instancia: no protege nada

    def run(self):
        with self.lock:  # self.lock busca primero en la instancia y luego en la clase
            print(f"{self.name} entra a la sección protegida")
            time.sleep(0.05)
            print(f"{self.name} sale")


hilos = [MiThread(f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
