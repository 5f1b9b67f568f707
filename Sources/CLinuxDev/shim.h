// Header-only shim for the Linux spidev and i2c-dev userspace APIs (no library to link).
// The ioctl request numbers are function-like macros Swift cannot import, and ioctl(2) is
// variadic, so each call gets a static inline helper here. Only CascadiaIO imports this.
#pragma once
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/spi/spidev.h>
#include <linux/i2c-dev.h>

/// SPI_IOC_WR_MODE: sets the SPI mode (0..3; CPOL<<1 | CPHA).
static inline int cascadia_spi_set_mode(int fd, uint8_t mode) {
    return ioctl(fd, SPI_IOC_WR_MODE, &mode);
}

/// SPI_IOC_WR_BITS_PER_WORD.
static inline int cascadia_spi_set_bits_per_word(int fd, uint8_t bits) {
    return ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bits);
}

/// SPI_IOC_WR_MAX_SPEED_HZ.
static inline int cascadia_spi_set_max_speed_hz(int fd, uint32_t hz) {
    return ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &hz);
}

/// SPI_IOC_MESSAGE(count): one full-duplex message of `count` transfers, chip select held
/// between them unless a transfer sets cs_change. Returns bytes transferred or -1 (errno).
static inline int cascadia_spi_message(int fd, struct spi_ioc_transfer *transfers, unsigned count) {
    return ioctl(fd, SPI_IOC_MESSAGE(count), transfers);
}

/// I2C_SLAVE: addresses every following read(2)/write(2) on `fd` to the 7-bit `address`.
static inline int cascadia_i2c_set_slave(int fd, long address) {
    return ioctl(fd, I2C_SLAVE, address);
}
