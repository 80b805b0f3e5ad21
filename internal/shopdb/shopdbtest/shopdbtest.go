// Package shopdbtest gives each test its own MariaDB database: created under a
// unique name (engineers and parallel tests share one server), loaded from
// schema files, and dropped when the test ends.
package shopdbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// MySQLEnv overrides the test server's address (host:port; user root, no
// password).
const MySQLEnv = "KEYCRM_SYNC_TEST_MYSQL"

// DB is one test's database, reached as root.
type DB struct {
	Name string
	Addr string
	// Root is a connection pool to the database as root, allowing several
	// statements per Exec.
	Root *sql.DB
}

// New creates the database, or skips when no server is reachable (see
// testenv.Skip).
func New(t testing.TB) *DB {
	t.Helper()
	addr := testenv.Server(t, MySQLEnv, "127.0.0.1:3306")
	d := &DB{Name: "kcs_" + token(t.Name(), 6), Addr: addr}
	admin := open(t, addr, "")
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE `" + d.Name + "` CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin := open(t, addr, "")
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + d.Name + "`"); err != nil {
			t.Errorf("drop test database %s: %v", d.Name, err)
		}
	})
	d.Root = open(t, addr, d.Name)
	t.Cleanup(func() { d.Root.Close() })
	return d
}

func open(t testing.TB, addr, db string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.DBName = "tcp", addr, "root", db
	cfg.MultiStatements = true
	cfg.Params = map[string]string{"sql_mode": "''"}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn := sql.OpenDB(c)
	if err := conn.Ping(); err != nil {
		testenv.Skip(t, "MariaDB at %s: %v", addr, err)
	}
	return conn
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// token is a readable, unique identifier: a short form of name and random hex.
func token(name string, n int) string {
	s := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if len(s) > 30 {
		s = s[len(s)-30:]
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return s + "_" + hex.EncodeToString(b)
}

// URL is a location for the database: scheme://user@addr/name?query, the
// password (if any) in the URL.
func (d *DB) URL(scheme, user, password, query string) string {
	u := url.URL{Scheme: scheme, Host: d.Addr, Path: "/" + d.Name, RawQuery: query}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

// Exec runs SQL (several statements allowed) or fails the test.
func (d *DB) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := d.Root.Exec(query, args...); err != nil {
		t.Fatalf("%v\nin: %.300s", err, query)
	}
}

// Load runs a schema file, as the CMS installers do: lines starting with "--"
// are dropped (OpenCart's "-----" separators are not SQL comments to the
// server), and replace rewrites placeholders or the table prefix.
func (d *DB) Load(t testing.TB, path string, replace *strings.Replacer) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			kept = append(kept, line)
		}
	}
	s := strings.Join(kept, "\n")
	if replace != nil {
		s = replace.Replace(s)
	}
	if _, err := d.Root.Exec(s); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
}

// User creates a user with a random password and the given grants, each a
// privilege list and a table ("SELECT, UPDATE", "wp_postmeta"), and drops it
// when the test ends. It returns the user name and password.
func (d *DB) User(t testing.TB, grants ...[2]string) (string, string) {
	t.Helper()
	name := "kcs_" + token("", 6)
	pass := token("pw", 8)
	d.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", name, pass))
	t.Cleanup(func() {
		if _, err := d.Root.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", name)); err != nil {
			t.Errorf("drop test user: %v", err)
		}
	})
	for _, g := range grants {
		table := "`" + g[1] + "`"
		if g[1] == "*" {
			table = "*"
		}
		d.Exec(t, fmt.Sprintf("GRANT %s ON `%s`.%s TO '%s'@'%%'", g[0], d.Name, table, name))
	}
	return name, pass
}

// PostgresEnv overrides the PostgreSQL test server's address (host:port; user
// postgres, no password).
const PostgresEnv = "KEYCRM_SYNC_TEST_POSTGRES"

// Postgres is one test's PostgreSQL database.
type Postgres struct {
	Name string
	Addr string
	Conn *sql.DB
}

// NewPostgres creates a PostgreSQL database for the test and drops it when the
// test ends, or skips when no server is reachable (see testenv.Skip).
func NewPostgres(t testing.TB) *Postgres {
	t.Helper()
	addr := testenv.Server(t, PostgresEnv, "127.0.0.1:5432")
	p := &Postgres{Name: "kcs_" + token(t.Name(), 6), Addr: addr}
	admin := openPG(t, addr, "postgres")
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE "` + p.Name + `"`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin := openPG(t, addr, "postgres")
		defer admin.Close()
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS "` + p.Name + `" WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", p.Name, err)
		}
	})
	p.Conn = openPG(t, addr, p.Name)
	t.Cleanup(func() { p.Conn.Close() })
	return p
}

func openPG(t testing.TB, addr, db string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://postgres@" + addr + "/" + db)
	if err != nil {
		t.Fatal(err)
	}
	conn := stdlib.OpenDB(*cfg)
	if err := conn.Ping(); err != nil {
		testenv.Skip(t, "PostgreSQL at %s: %v", addr, err)
	}
	return conn
}

// URL is a postgres:// location for the database.
func (p *Postgres) URL() string { return "postgres://postgres@" + p.Addr + "/" + p.Name }

// Exec runs SQL or fails the test.
func (p *Postgres) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := p.Conn.Exec(query, args...); err != nil {
		t.Fatalf("%v\nin: %.300s", err, query)
	}
}

// Location is URL parsed as a --from or --to value.
func (d *DB) Location(t testing.TB, scheme, user, password, query string) connector.Location {
	t.Helper()
	loc, err := connector.ParseLocation(d.URL(scheme, user, password, query))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
