/* Internal interfaces between the stack's files (net/). */
#ifndef NET_NET_H
#define NET_NET_H

#include <net/netdev.h>
#include <net/inet.h>

/* Link-layer input on the receive thread (net/eth.c): p->data at the
 * Ethernet header (or the IPv4 header on a NETIF_F_LOOPBACK device). */
void eth_input(struct netdev *dev, struct pkbuf *p);
/* IPv4 input (net/ipv4.c): p->data at the IPv4 header. */
void ip_input(struct netdev *dev, struct pkbuf *p);
/* Segment a PKB_GSO_TCPV4 packet in software and send each segment with
 * dev->ops->xmit (net/gso.c). Takes ownership. */
int net_sw_gso(struct netdev *dev, struct pkbuf *p);
/* Fill a PKB_F_CSUM_PARTIAL checksum in software (net/netdev.c). */
void net_sw_csum(struct pkbuf *p);
/* The stack's per-device state comes and goes with the device: attach on
 * register, detach (ARP entries, routes, queued packets) on unregister,
 * carrier changes (start DHCP...). net/iface.c. Thread context. */
int net_iface_attach(struct netdev *dev);
void net_iface_detach(struct netdev *dev);
void net_iface_carrier(struct netdev *dev, bool up);

/* Start the receive thread (net_init, once). */
int netdev_start_rx_thread(void);

#endif
