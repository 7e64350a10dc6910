import threading
import time

STEPS = 3  # cuántas veces saluda cada hilo
PAUSE = 0.05  # segundos entre saludos


class MiThread(threading.Thread):
    def __init__(self, nombre, veces):  # se le pueden poner los argumentos que se necesite
        super().__init__(name=nombre)  # el nombre personalizado del hilo
        self.veces = veces

    def run(self):  # lo que hará el hilo cuando se le haga start()
        for paso in range(self.veces):
            print(f"{self.name}: paso {paso + 1}")
            time.sleep(PAUSE)


hilo_1 = MiThread("Tortuga", STEPS)
hilo_2 = MiThread("Liebre", STEPS)
hilo_1.start()  # start() crea el hilo; es el hilo nuevo quien llama a run()
hilo_2.start()
hilo_1.join()
hilo_2.join()
print("Los dos hilos terminaron")
