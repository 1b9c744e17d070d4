// Package apitest runs a real domain node (domain.New, the production
// wiring) against the real MariaDB and Redis for API tests, with a
// recording publisher and a settable gateway list in place of RabbitMQ and
// ZooKeeper. Feature helpers reuse it:
//
//	func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) } // fresh database per package run
//
//	func TestX(t *testing.T) {
//		env := apitest.Start(t)                    // new random app: isolated rows and Redis keys
//		env.ImportUsers("alice", "bob")
//		res := env.Call("alice", "/v1/friendship/addFriend", map[string]any{...})
//		res.WantCode(t, 200)
//		env.Pushes.Wait(t, func(p mq.Push) bool { return p.Command == command.FriendAdd })
//	}
//
// Services come from IM_TEST_MYSQL_DSN and IM_TEST_REDIS_ADDR (defaults in
// /work/notes/common.md); an unreachable service fails the run, never skips.
package apitest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// testDSN is the DSN of this package run's database, set by Main. It is the
// one package-level variable: TestMain has no other way to hand it to tests.
var testDSN string

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// MySQLDSN and RedisAddr are the test services.
func MySQLDSN() string  { return env("IM_TEST_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/test") }
func RedisAddr() string { return env("IM_TEST_REDIS_ADDR", "127.0.0.1:6379") }

// Main creates a fresh database im_test_<random>, runs the tests and drops
// it. Use it from TestMain.
func Main(m *testing.M) int {
	admin, name, err := createDatabase()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apitest:", err)
		return 1
	}
	defer func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name)
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	cfg, _ := driver.ParseDSN(MySQLDSN())
	cfg.DBName = name
	cfg.InterpolateParams = true // as mysqldb.Tune does for the services
	testDSN = cfg.FormatDSN()
	return m.Run()
}

func createDatabase() (*gorm.DB, string, error) {
	cfg, err := driver.ParseDSN(MySQLDSN())
	if err != nil {
		return nil, "", fmt.Errorf("IM_TEST_MYSQL_DSN: %w", err)
	}
	cfg.DBName = ""
	admin, err := gorm.Open(mysql.Open(cfg.FormatDSN()), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, "", fmt.Errorf("mariadb at %s unreachable: %w", cfg.Addr, err)
	}
	name := "im_test_" + randomHex(6)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin").Error; err != nil {
		return nil, "", fmt.Errorf("create database: %w", err)
	}
	return admin, name, nil
}

// DSN returns this run's database DSN; it fails t when Main was not used.
func DSN(t testing.TB) string {
	t.Helper()
	if testDSN == "" {
		t.Fatal("apitest: call apitest.Main from TestMain")
	}
	return testDSN
}

// Redis connects to the test Redis and fails t when it is unreachable.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: RedisAddr()})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s unreachable: %v", RedisAddr(), err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// RandomAppID returns an app id unlikely to collide with any other test's.
func RandomAppID() uint32 {
	n, _ := rand.Int(rand.Reader, big.NewInt(3_000_000_000))
	return uint32(n.Int64()) + 1_000_000
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
