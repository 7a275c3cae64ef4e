#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H
/* libmosquitto's API has no variadic functions, so Swift calls it directly; this header only gathers it. */
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
