package rabbittest

import (
	"fmt"
	"os/exec"
	"testing"
)

// AddVhost creates the virtual host name on the shared broker (through
// rabbitmqctl on PATH) and gives guest every permission on it, so a test
// can declare the platform's real queue names without meeting anyone
// else's consumers.
func AddVhost(name string) error {
	if out, err := exec.Command("rabbitmqctl", "add_vhost", name).CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmqctl add_vhost %s: %w: %s", name, err, out)
	}
	if out, err := exec.Command("rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*").CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmqctl set_permissions %s: %w: %s", name, err, out)
	}
	return nil
}

// DeleteVhost deletes the virtual host name and everything in it.
func DeleteVhost(name string) error {
	if out, err := exec.Command("rabbitmqctl", "delete_vhost", name).CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmqctl delete_vhost %s: %w: %s", name, err, out)
	}
	return nil
}

// Vhost creates a fresh virtual host named prefix plus a random suffix for
// t, deletes it after t, and returns base (an AMQP URL ending in "/")
// pointing at it.
func Vhost(t testing.TB, base, prefix string) string {
	t.Helper()
	name := prefix + randomHex(4)
	if err := AddVhost(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = DeleteVhost(name) })
	return base + name
}
