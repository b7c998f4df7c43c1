package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var children []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parentOf(child) == pid {
			children = append(children, child)
		}
	}
	return children
}

// parentOf reads a process's parent id from /proc/<pid>/stat, whose second
// field (the program name, in parentheses) may itself hold spaces.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0
	}
	fields := strings.Fields(string(b[end+1:])) // state, ppid, …
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
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
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	end := bytes.LastIndexByte(b, ')')
	return end >= 0 && end+2 < len(b) && b[end+2] != 'Z'
}

// RSS is a process's resident memory in bytes (VmRSS), 0 when it is gone.
func RSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest) // "12345", "kB"
			if len(fields) == 2 && fields[1] == "kB" {
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
