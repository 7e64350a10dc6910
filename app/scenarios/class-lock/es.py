import threading
import time

THREADS = 3  # cuántas instancias de MiThread se crean
WORK = 0.05  # segundos que cada hilo pasa dentro de la sección protegida
SHARED = True  # False: cada instancia crea su propio candado en __init__


class MiThread(threading.Thread):
    # Se crea una sola vez, al definir la clase: todas las instancias comparten este candado
    lock = threading.Lock()
    # También es de la clase: cuántos hilos pasaron por la sección protegida
    pasaron = 0

    def __init__(self, nombre):
        super().__init__(name=nombre)
        if not SHARED:
            # Un atributo de la instancia tapa al de la clase: cada hilo tendría el suyo
            self.lock = threading.Lock()

    def run(self):
        with self.lock:  # si otra instancia lo tiene, este hilo espera su turno
            print(f"{self.name} entra a la sección protegida")
            visto = MiThread.pasaron  # leer...
            time.sleep(WORK)
            MiThread.pasaron = visto + 1  # ...y escribir, sin que otro se meta en medio
            print(f"{self.name} sale")


hilos = [MiThread(f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Pasaron {MiThread.pasaron} hilos; se esperaban {THREADS}")
