package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// What the hub's processes look like from /proc (Linux).

// PluginPIDs are the hub's plugin processes: its children whose program
// is a crmhub-plugin-… binary.
func (h *Hub) PluginPIDs() []int {
	pid := h.PID()
	if pid == 0 {
		return nil
	}
	var plugins []int
	for _, child := range Children(pid) {
		if strings.HasPrefix(filepath.Base(program(child)), "crmhub-plugin-") {
			plugins = append(plugins, child)
		}
	}
	return plugins
}

// Children lists the processes whose parent is pid.
func Children(pid int) []int {
	return processes(func(child int) bool { return parentOf(child) == pid })
}

// Named lists the processes whose name (/proc/<pid>/comm) starts with
// prefix, such as PostgreSQL's, all named "postgres".
func Named(prefix string) []int {
	return processes(func(pid int) bool {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		return strings.HasPrefix(string(comm), prefix)
	})
}

// processes lists the machine's processes that keep keeps.
func processes(keep func(pid int) bool) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && keep(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parentOf reads a process's parent id from /proc/<pid>/stat.
func parentOf(pid int) int {
	fields := statFields(pid)
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// statFields are the fields of /proc/<pid>/stat after the program name
// (state, ppid, …), which is in parentheses and may itself hold spaces;
// none when the process is gone.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return nil
	}
	return strings.Fields(string(b[end+1:]))
}

// clockTick is the unit of /proc's CPU times: USER_HZ, 100 a second on
// every Linux port Go runs on.
const clockTick = 10 * time.Millisecond

// CPUTime is the CPU a process has used so far, in user and system mode
// (utime and stime of /proc/<pid>/stat); 0 when it is gone.
func CPUTime(pid int) time.Duration {
	fields := statFields(pid)
	if len(fields) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(fields[11], 10, 64)
	system, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(user+system) * clockTick
}

// IdleTime is how long the machine's cores have idled since it started,
// summed over the cores, waiting for I/O included (/proc/stat).
func IdleTime() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(first) // "cpu", user, nice, system, idle, iowait, …
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0
	}
	idle, _ := strconv.ParseInt(fields[4], 10, 64)
	iowait, _ := strconv.ParseInt(fields[5], 10, 64)
	return time.Duration(idle+iowait) * clockTick
}

// program is the first word of a process's command line.
func program(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	first, _, _ := bytes.Cut(b, []byte{0})
	return string(first)
}

// Alive reports whether a process exists and is not a zombie.
func Alive(pid int) bool {
	fields := statFields(pid)
	return len(fields) > 0 && fields[0] != "Z"
}

// RSS is a process's resident memory in bytes (VmRSS), 0 when it is gone.
func RSS(pid int) int64 { return statusBytes(pid, "VmRSS:") }

// PeakRSS is the most resident memory a process has had, in bytes
// (VmHWM): since it started, or since ResetPeakRSS. The kernel keeps it,
// so no peak between two readings is missed. 0 when the process is gone.
func PeakRSS(pid int) int64 { return statusBytes(pid, "VmHWM:") }

// ResetPeakRSS starts a process's PeakRSS anew from its resident memory
// now (Linux 4.0 and later).
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// statusBytes reads a size in kB from a line of /proc/<pid>/status, such
// as "VmRSS:   12345 kB", in bytes; 0 when the process is gone.
func statusBytes(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			fields := strings.Fields(rest) // "12345", "kB"
			if len(fields) == 2 && fields[1] == "kB" {
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
