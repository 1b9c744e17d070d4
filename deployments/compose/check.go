package compose

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Service is what the platform needs of one compose service.
type Service struct {
	Command []string          // words the command must contain, in order (the binary first)
	Ports   map[uint32]string // container port -> published host port
	Deps    []string          // services it starts after, each healthy
	Env     map[string]string // variables it must have; "" = any non-empty value
	Probe   string            // what its healthcheck must run ("" = any test)
}

// whaleimEnv is what every WhaleIM process reads to reach the platform.
var whaleimEnv = map[string]string{
	"IM_MYSQL_DSN": "", "IM_REDIS_ADDR": "redis:6379", "IM_RABBIT_URL": "",
	"IM_RABBIT_QUEUE_TYPE": "quorum", "IM_ZK_SERVERS": "zookeeper:2181",
}

func withEnv(extra map[string]string) map[string]string {
	m := maps.Clone(whaleimEnv)
	maps.Copy(m, extra)
	return m
}

var infra = []string{"mariadb", "redis", "rabbitmq", "zookeeper"}

func domainNode(published string, deps ...string) Service {
	return Service{Command: []string{"im-domain"}, Ports: map[uint32]string{18000: published},
		Deps: append(slices.Clone(infra), deps...), Probe: "http://127.0.0.1:18000/readyz",
		Env: withEnv(map[string]string{"IM_HTTP_ADDR": ":18000", "IM_APP_ID": "", "IM_APP_SECRET": "", "IM_APP_ADMIN": ""})}
}

func gatewayNode(id, tcp, ws string) Service {
	return Service{Command: []string{"im-tcp"}, Ports: map[uint32]string{19001: tcp, 19002: ws},
		Deps: []string{"redis", "rabbitmq", "zookeeper", "domain1", "domain2"}, Probe: "http://127.0.0.1:19003/readyz",
		Env: withEnv(map[string]string{"IM_BROKER_ID": id, "IM_TCP_ADDR": ":19001", "IM_WS_ADDR": ":19002",
			"IM_HTTP_ADDR": ":19003", "IM_ADVERTISE_TCP": "localhost:" + tcp, "IM_ADVERTISE_WS": "ws://localhost:" + ws + "/ws"})}
}

// Platform is the distributed platform docker-compose.yml must describe.
var Platform = map[string]Service{
	"mariadb":   {Env: map[string]string{"MARIADB_DATABASE": "im", "MARIADB_USER": "", "MARIADB_PASSWORD": ""}, Probe: "healthcheck.sh"},
	"redis":     {Command: []string{"redis-server", "--appendonly", "yes"}, Probe: "redis-cli"},
	"rabbitmq":  {Ports: map[uint32]string{15672: "15672"}, Probe: "rabbitmq-diagnostics"},
	"zookeeper": {Probe: "zkServer.sh"},
	"domain1":   domainNode("18000"),
	"domain2":   domainNode("18001", "domain1"),
	"store": {Command: []string{"im-message-store"}, Ports: map[uint32]string{}, Deps: []string{"mariadb", "rabbitmq", "domain1"},
		Probe: "http://127.0.0.1:18100/readyz", Env: withEnv(map[string]string{"IM_HTTP_ADDR": ":18100"})},
	"gateway1": gatewayNode("gateway1", "19001", "19002"),
	"gateway2": gatewayNode("gateway2", "19011", "19012"),
}

// Check reports every way p differs from want: a missing or extra
// service, port, dependency, variable or healthcheck.
func Check(p *types.Project, want map[string]Service) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(want)) {
		s, err := p.GetService(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("service %s: missing", name))
			continue
		}
		errs = append(errs, checkService(p, s, want[name])...)
	}
	for _, name := range p.ServiceNames() {
		if _, ok := want[name]; !ok {
			errs = append(errs, fmt.Errorf("service %s: not part of the platform", name))
		}
	}
	return errors.Join(errs...)
}

func checkService(p *types.Project, s types.ServiceConfig, w Service) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("service "+s.Name+": "+format, a...)) }
	if err := checkHealth(s.HealthCheck, w.Probe); err != nil {
		add("healthcheck: %v", err)
	}
	if !containsInOrder(s.Command, w.Command) {
		add("command %q, want %q in it", s.Command, w.Command)
	}
	for _, err := range checkPorts(s.Ports, w.Ports) {
		add("%v", err)
	}
	for _, err := range checkDeps(p, s.DependsOn, w.Deps) {
		add("%v", err)
	}
	for _, err := range checkEnv(p, s.Environment, w.Env) {
		add("%v", err)
	}
	return errs
}

func checkHealth(h *types.HealthCheckConfig, probe string) error {
	switch {
	case h == nil || h.Disable || len(h.Test) < 2 || h.Test[0] == "NONE":
		return errors.New("missing or disabled")
	case h.Interval == nil || h.Retries == nil:
		return errors.New("interval and retries must be set")
	case !strings.Contains(strings.Join(h.Test, " "), probe):
		return fmt.Errorf("test %q does not run %q", h.Test, probe)
	}
	return nil
}

// containsInOrder reports whether words appear in cmd in that order.
func containsInOrder(cmd, words []string) bool {
	i := 0
	for _, c := range cmd {
		if i < len(words) && c == words[i] {
			i++
		}
	}
	return i == len(words)
}

func checkPorts(got []types.ServicePortConfig, want map[uint32]string) []error {
	var errs []error
	seen := map[uint32]string{}
	for _, p := range got {
		seen[p.Target] = p.Published
	}
	for target, published := range want {
		if seen[target] != published {
			errs = append(errs, fmt.Errorf("port %d published as %q, want %q", target, seen[target], published))
		}
	}
	for target, published := range seen {
		if _, ok := want[target]; !ok {
			errs = append(errs, fmt.Errorf("port %d published as %q, not expected", target, published))
		}
	}
	return errs
}

func checkDeps(p *types.Project, got types.DependsOnConfig, want []string) []error {
	var errs []error
	for _, d := range want {
		dep, ok := got[d]
		if !ok || dep.Condition != types.ServiceConditionHealthy {
			errs = append(errs, fmt.Errorf("depends_on %s: %q, want condition service_healthy", d, dep.Condition))
		}
	}
	for d := range got {
		if !slices.Contains(want, d) {
			errs = append(errs, fmt.Errorf("depends_on %s: not expected", d))
		} else if t, err := p.GetService(d); err != nil || t.HealthCheck == nil {
			errs = append(errs, fmt.Errorf("depends_on %s: it has no healthcheck to wait for", d))
		}
	}
	return errs
}

// checkEnv requires every wanted variable; an address naming a service
// (host:port) must name one of the project.
func checkEnv(p *types.Project, got types.MappingWithEquals, want map[string]string) []error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(want)) {
		v := got[k]
		switch {
		case v == nil || *v == "":
			errs = append(errs, fmt.Errorf("environment %s: missing", k))
		case want[k] != "" && *v != want[k]:
			errs = append(errs, fmt.Errorf("environment %s=%q, want %q", k, *v, want[k]))
		}
	}
	for _, k := range devSwitches {
		if got[k] != nil {
			errs = append(errs, fmt.Errorf("environment %s: a development switch, never set in the platform file", k))
		}
	}
	for k, host := range addresses {
		if v := got[k]; v != nil {
			if err := checkHostPort(p, host(*v)); err != nil {
				errs = append(errs, fmt.Errorf("environment %s: %w", k, err))
			}
		}
	}
	return errs
}

// devSwitches are insecure development settings no service of the
// platform may set.
var devSwitches = []string{"IM_INSECURE_LOGIN_WITHOUT_SIGN"}

// addresses are the variables that name another service, with how to
// find its host:port in the value.
var addresses = map[string]func(string) string{
	"IM_REDIS_ADDR": func(v string) string { return v },
	"IM_ZK_SERVERS": func(v string) string { return v },
	"IM_MYSQL_DSN": func(v string) string { // user:pass@tcp(host:port)/db?...
		_, rest, _ := strings.Cut(v, "@tcp(")
		addr, _, _ := strings.Cut(rest, ")")
		return addr
	},
	"IM_RABBIT_URL": func(v string) string {
		u, err := url.Parse(v)
		if err != nil {
			return v
		}
		return u.Host
	},
}

func checkHostPort(p *types.Project, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if _, err := strconv.Atoi(port); err != nil {
		return fmt.Errorf("port %q", port)
	}
	if _, err := p.GetService(host); err != nil {
		return fmt.Errorf("host %q is no service of the file", host)
	}
	return nil
}
