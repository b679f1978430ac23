# SPDX-License-Identifier: MIT
"""hypnic reference firmware for the Seeed XIAO nRF52840 Sense (CircuitPython 9+).

Streams the on-board LSM6DS3TR-C accelerometer over the open hypnic GATT profile
(firmware_notes/hypnic-gatt-profile.md). Copy this file, hypnic_packet.py and the
adafruit_ble library to the CIRCUITPY drive (see README.md in this folder).

How it works: the IMU samples on its own clock into its 4 kbyte FIFO (continuous mode,
accelerometer only). Every LOOP_S the loop reads the FIFO level, and while a full
packet's worth of samples is waiting it reads them in one burst and sends them as
one notification. The FIFO holds 6.5 s at 104 Hz, so a slow loop iteration (garbage
collection, a busy radio) loses nothing. If the FIFO overruns anyway, the firmware
resets it and moves the sample counter on by the elapsed sample periods, so the host
sees the hole as lost samples.
"""

import time

import _bleio
import analogio
import board
import busio
import digitalio
import hypnic_packet as hp
from adafruit_ble import BLERadio
from adafruit_ble.advertising.standard import ProvideServicesAdvertisement
from adafruit_ble.characteristics import Attribute, Characteristic, ComplexCharacteristic
from adafruit_ble.services import Service
from adafruit_ble.services.standard import BatteryService
from adafruit_ble.uuid import VendorUUID
from adafruit_bus_device.i2c_device import I2CDevice

NAME = "hypnic-xiao"
DEFAULT_RATE_HZ = 104
DEFAULT_RANGE_G = 8
LOOP_S = 0.1  # loop period; packets leave when a full one is in the FIFO
CONNECTION_INTERVAL_MS = 45.0  # requested; the central decides (see power-and-radio.md)
BATTERY_PERIOD_S = 60.0

# LSM6DS3TR-C registers (datasheet DocID030071 Rev 3, section 8 register map).
IMU_ADDRESS = 0x6A
FIFO_CTRL3 = 0x08
FIFO_CTRL5 = 0x0A
CTRL1_XL = 0x10
CTRL3_C = 0x12
FIFO_STATUS1 = 0x3A
FIFO_DATA_OUT_L = 0x3E


class PacketBufferCharacteristic(ComplexCharacteristic):
    """A characteristic bound to a _bleio.PacketBuffer (queued writes / notifications)."""

    def __init__(self, *, uuid, properties):
        super().__init__(uuid=uuid, properties=properties, read_perm=Attribute.OPEN,
                         write_perm=Attribute.OPEN, max_length=hp.MAX_PACKET_SIZE)

    def bind(self, service):
        return _bleio.PacketBuffer(super().bind(service), buffer_size=4,
                                   max_packet_size=hp.MAX_PACKET_SIZE)


class HypnicService(Service):
    uuid = VendorUUID(hp.SERVICE_UUID)
    data = PacketBufferCharacteristic(uuid=VendorUUID(hp.DATA_UUID),
                                      properties=Characteristic.NOTIFY)
    control = PacketBufferCharacteristic(uuid=VendorUUID(hp.CONTROL_UUID),
                                         properties=Characteristic.WRITE)


class Imu:
    """The on-board LSM6DS3TR-C: power pin, I2C, accelerometer FIFO."""

    def __init__(self):
        self.power = digitalio.DigitalInOut(board.IMU_PWR)
        self.power.switch_to_output(value=True)
        time.sleep(0.05)  # turn-on time 35 ms (datasheet Table 4)
        i2c = busio.I2C(board.IMU_SCL, board.IMU_SDA, frequency=400_000)  # I2C fast mode
        self.device = I2CDevice(i2c, IMU_ADDRESS)
        self.buf = bytearray(hp.MAX_PACKET_SIZE)
        self.write(CTRL3_C, 0x44)  # BDU = 1, IF_INC = 1

    def write(self, reg, value):
        with self.device as dev:
            dev.write(bytes((reg, value)))

    def read(self, reg, n):
        with self.device as dev:
            dev.write_then_readinto(bytes((reg,)), self.buf, in_end=n)
        return self.buf[:n]

    def start(self, fs_hz, range_g):
        self.write(CTRL1_XL, hp.ctrl1_xl(fs_hz, range_g))
        self.write(FIFO_CTRL3, 0b001)  # accelerometer in FIFO, no decimation; gyro off
        self.reset_fifo(fs_hz)

    def reset_fifo(self, fs_hz):
        self.write(FIFO_CTRL5, 0)  # bypass mode empties the FIFO
        self.write(FIFO_CTRL5, hp.fifo_ctrl5(fs_hz))

    def stop(self):
        self.write(FIFO_CTRL5, 0)
        self.write(CTRL1_XL, 0)  # power-down

    def fifo_level(self):
        status = self.read(FIFO_STATUS1, 2)
        words, overrun = hp.fifo_words(status[0], status[1])
        return words // 3, overrun

    def read_samples(self, n):
        # A multiple read of FIFO_DATA_OUT_L/H wraps between 3Eh and 3Fh (AN5130 4.7.1).
        return self.read(FIFO_DATA_OUT_L, n * hp.SAMPLE_SIZE)


def battery_volts(vbatt):
    """Battery voltage, V, from VBATT (P0.31) behind the board's 1510/510 divider."""
    for _ in range(9):  # let the sample-and-hold settle on the high-impedance divider
        _ = vbatt.value
    return vbatt.value / 65535 * vbatt.reference_voltage * 1510 / 510


def now_us():
    return time.monotonic_ns() // 1000


def serve(ble, service, battery, vbatt, imu):
    """One connection: obey commands, stream while started, update the battery level."""
    fs_hz, range_g = DEFAULT_RATE_HZ, DEFAULT_RANGE_G
    streaming = False
    counter = t_start = 0
    discard = False  # drop the first sample after a FIFO mode switch (datasheet 5.5)
    next_battery = 0.0
    command = bytearray(hp.MAX_PACKET_SIZE)
    for connection in ble.connections:
        connection.connection_interval = CONNECTION_INTERVAL_MS
    while ble.connected:
        n = service.control.readinto(command)
        if n > 0:
            try:
                op, value = hp.parse_command(command[:n])
            except ValueError:
                op, value = None, None
            if op == hp.OP_START:
                imu.start(fs_hz, range_g)
                streaming, counter, t_start, discard = True, 0, now_us(), True
            elif op == hp.OP_STOP:
                imu.stop()
                streaming = False
            elif op == hp.OP_SET_RATE:
                fs_hz = hp.choose_rate(value)  # applies at the next START
            elif op == hp.OP_SET_RANGE:
                range_g = hp.choose_range(value)
        if streaming:
            per_packet = hp.samples_per_packet(service.data.outgoing_packet_length)
            level, overrun = imu.fifo_level()
            t_read = now_us()
            if overrun:
                imu.reset_fifo(fs_hz)
                counter = hp.counter_at(t_read, t_start, fs_hz)
                level, discard = 0, True
            elif discard and level > 0:
                imu.read_samples(1)
                level, discard = level - 1, False
            while per_packet > 0 and level >= per_packet:
                raw = imu.read_samples(per_packet)
                level -= per_packet
                t_last = t_read - level * 1000000 // fs_hz  # newest sample read
                packet, counter = hp.packet_from_fifo(raw, counter, t_last, fs_hz, range_g)
                service.data.write(packet)
        if time.monotonic() >= next_battery:
            battery.level = hp.battery_percent(battery_volts(vbatt))
            next_battery = time.monotonic() + BATTERY_PERIOD_S
        time.sleep(LOOP_S)
    imu.stop()


def main():
    ble = BLERadio()
    ble.name = NAME
    service = HypnicService()
    battery = BatteryService()
    advertisement = ProvideServicesAdvertisement(service)
    imu = Imu()
    imu.stop()
    # READ_BATT_ENABLE (P0.14) low switches the divider in; it stays low for good,
    # because Seeed warns that P0.14 high while charging can damage P0.31.
    read_batt_enable = digitalio.DigitalInOut(board.READ_BATT_ENABLE)
    read_batt_enable.switch_to_output(value=False)
    vbatt = analogio.AnalogIn(board.VBATT)
    while True:
        ble.start_advertising(advertisement)
        while not ble.connected:
            time.sleep(0.2)
        serve(ble, service, battery, vbatt, imu)


main()
