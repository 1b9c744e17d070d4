package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/pid/stat;
// it is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procSpec names one measured process group: the pids given, or every
// process whose command name (/proc/pid/comm) is name.
type procSpec struct {
	name string
	pids []int
}

// procUsage is what /proc says about a process group at one instant.
type procUsage struct {
	CPUSeconds float64 `json:"cpuSeconds"`
	RSSBytes   int64   `json:"rssBytes"`
	Processes  int     `json:"processes"`
	// Shared is set for processes found by name rather than given by pid:
	// on a shared machine they may also serve other work.
	Shared bool `json:"foundByName"`
}

func parseProcs(s string) ([]procSpec, error) {
	var out []procSpec
	var errs []error
	for _, f := range splitList(s) {
		name, pidList, hasPids := strings.Cut(f, "=")
		spec := procSpec{name: name}
		for _, p := range strings.Split(pidList, "+") {
			if !hasPids {
				break
			}
			pid, err := strconv.Atoi(p)
			if err != nil || pid <= 0 {
				errs = append(errs, fmt.Errorf("-procs: %q: %q is not a pid", f, p))
				continue
			}
			spec.pids = append(spec.pids, pid)
		}
		out = append(out, spec)
	}
	return out, errors.Join(errs...)
}

// sample reads every spec now; a process that is gone counts as zero.
func sample(specs []procSpec) map[string]procUsage {
	out := make(map[string]procUsage, len(specs)+1)
	for _, s := range specs {
		pids := s.pids
		if len(pids) == 0 {
			pids = pidsNamed(s.name)
		}
		u := procUsage{Shared: len(s.pids) == 0}
		for _, pid := range pids {
			if cpu, rss, err := readProc(pid); err == nil {
				u.CPUSeconds += cpu
				u.RSSBytes += rss
				u.Processes++
			}
		}
		out[s.name] = u
	}
	if cpu, rss, err := readProc(os.Getpid()); err == nil {
		out["imbench"] = procUsage{CPUSeconds: cpu, RSSBytes: rss, Processes: 1}
	}
	return out
}

// pidsNamed lists the processes whose comm is name.
func pidsNamed(name string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*/comm")
	var out []int
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil || strings.TrimSpace(string(b)) != name {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(d))); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// readProc returns the CPU seconds (user + system) and resident bytes of pid.
func readProc(pid int) (float64, int64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return 0, 0, fmt.Errorf("pid %d: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	return cpu, parseStatusRSS(status), nil
}

// parseStatCPU reads utime and stime (fields 14 and 15) of /proc/pid/stat;
// the command name in parentheses may itself hold spaces.
func parseStatCPU(stat []byte) (float64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("stat: too few fields")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("stat: %w", err)
	}
	return float64(ut+st) / clockTicks, nil
}

// parseStatusRSS reads VmRSS (kB) of /proc/pid/status; 0 when absent.
func parseStatusRSS(status []byte) int64 {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// machineBusy returns the CPU seconds all cores spent not idle since boot
// (/proc/stat), to show how much of the machine other work used.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy uint64
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		if i != 3 && i != 4 && i < 8 { // skip idle and iowait; guest is inside user
			busy += n
		}
	}
	return float64(busy) / clockTicks
}

// usageDelta is the CPU used between two samples and the RSS at the second.
func usageDelta(before, after map[string]procUsage) map[string]procUsage {
	out := make(map[string]procUsage, len(after))
	for name, a := range after {
		a.CPUSeconds -= before[name].CPUSeconds
		if a.CPUSeconds < 0 { // a process restarted in between
			a.CPUSeconds = 0
		}
		out[name] = a
	}
	return out
}

// loadAverage is the 1-minute load average (/proc/loadavg): how many
// threads wanted a CPU, ours and everyone else's.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
