package metrics

// The process_* figures, in processFigures' order.
const (
	procCPU = iota
	procOpenFDs
	procMaxFDs
	procVirtual
	procVirtualMax
	procResident
	procStart
	procNetIn
	procNetOut
	nProcess
)

// processFigures are the process's figures at a scrape, those the system gives.
type processFigures struct {
	value [nProcess]float64
	ok    [nProcess]bool
}

func (f *processFigures) set(i int, v float64) { f.value[i], f.ok[i] = v, true }

// processFamily is a process_* family; it is left out where the system does not give it.
func processFamily(name, typ, help string, i int) family {
	return family{name: name, typ: typ, help: help, write: func(p *page, s *scrape) {
		if s.process.ok[i] {
			p.sample(name, s.process.value[i])
		}
	}}
}

// processFamilies are the process_* families, with the names and help texts of Prometheus's
// client library's process collector.
var processFamilies = []family{
	processFamily("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", procCPU),
	processFamily("process_open_fds", "gauge", "Number of open file descriptors.", procOpenFDs),
	processFamily("process_max_fds", "gauge", "Maximum number of open file descriptors.", procMaxFDs),
	processFamily("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", procVirtual),
	processFamily("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", procVirtualMax),
	processFamily("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", procResident),
	processFamily("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", procStart),
	processFamily("process_network_receive_bytes_total", "counter", "Number of bytes received by the process over the network.", procNetIn),
	processFamily("process_network_transmit_bytes_total", "counter", "Number of bytes sent by the process over the network.", procNetOut),
}
