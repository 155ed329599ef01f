// Package sockstamp reads the kernel's socket timestamps out of a recvmsg's control messages
// (Linux only): the probe's receive times and the load farm's yardstick read them alike, so the
// struct layouts are decoded in one place.
package sockstamp
