package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// shopDBKey holds the script's shop databases by variable name.
type shopDBKey struct{}

func mariaDBAddr() string {
	if addr := os.Getenv(shopdbtest.MySQLEnv); addr != "" {
		return addr
	}
	return "127.0.0.1:3306"
}

// mariaDBReachable is the [mariadb] condition: scripts that load the real CMS
// schemas into the server skip without it or without the fixtures, except when KEYCRM_SYNC_NO_SKIP is set, where the condition holds
// so that shopdb fails to connect instead of the script being skipped.
func mariaDBReachable(fixtures string) bool {
	if os.Getenv(testenv.NoSkipEnv) != "" {
		return true
	}
	if _, err := os.Stat(fixtures); err != nil {
		return false
	}
	c, err := net.DialTimeout("tcp", mariaDBAddr(), 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// shopdb VAR [-r OLD=NEW]... FILE... creates a uniquely named MariaDB database,
// runs the schema FILEs in it as the CMS installers do (lines starting with "--"
// dropped, each OLD replaced by NEW: PrestaShop's PREFIX_ placeholders), sets
// $VAR to HOST:PORT/NAME and $VAR_NAME to NAME, and drops the database when the
// script ends, with the user of that NAME a script may create for its grants. Scripts
// guard it with [!mariadb] skip.
func cmdShopDB(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: shopdb VAR [-r OLD=NEW]... FILE...")
	}
	var pairs []string
	files := args[1:]
	for len(files) > 1 && files[0] == "-r" {
		old, repl, ok := strings.Cut(files[1], "=")
		if !ok {
			ts.Fatalf("shopdb: -r %s: want OLD=NEW", files[1])
		}
		pairs = append(pairs, old, repl)
		files = files[2:]
	}
	replace := strings.NewReplacer(pairs...)
	addr := mariaDBAddr()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	ts.Check(err)
	name := "kcs_script_" + hex.EncodeToString(b)
	admin := rootDB(ts, addr, "")
	defer admin.Close()
	_, err = admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4")
	ts.Check(err)
	ts.Defer(func() {
		admin := rootDB(ts, addr, "")
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		_, _ = admin.Exec("DROP USER IF EXISTS '" + name + "'@'%'")
	})
	db := rootDB(ts, addr, name)
	ts.Defer(func() { db.Close() })
	for _, f := range files {
		var kept []string
		for _, line := range strings.Split(ts.ReadFile(f), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "--") {
				kept = append(kept, line)
			}
		}
		if _, err := db.Exec(replace.Replace(strings.Join(kept, "\n"))); err != nil {
			ts.Fatalf("load %s: %v", f, err)
		}
	}
	dbs, _ := ts.Value(shopDBKey{}).(map[string]*sql.DB)
	dbs[args[0]] = db
	ts.Setenv(args[0], addr+"/"+name)
	ts.Setenv(args[0]+"_NAME", name)
}

func rootDB(ts *testscript.TestScript, addr, name string) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.DBName = "tcp", addr, "root", name
	cfg.MultiStatements = true
	cfg.Params = map[string]string{"sql_mode": "''"}
	c, err := mysql.NewConnector(cfg)
	ts.Check(err)
	return sql.OpenDB(c)
}

// sql VAR QUERY runs QUERY (statements allowed) in the database shopdb VAR made,
// printing each row's columns tab-separated, NULL as NULL, to stdout.
func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sql VAR QUERY")
	}
	dbs, _ := ts.Value(shopDBKey{}).(map[string]*sql.DB)
	db := dbs[args[0]]
	if db == nil {
		ts.Fatalf("sql: no database %s (make it with shopdb)", args[0])
	}
	rows, err := db.Query(args[1])
	ts.Check(err)
	defer rows.Close()
	cols, err := rows.Columns()
	ts.Check(err)
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		ts.Check(rows.Scan(ptrs...))
		out := make([]string, len(cols))
		for i, v := range vals {
			out[i] = v.String
			if !v.Valid {
				out[i] = "NULL"
			}
		}
		fmt.Fprintln(ts.Stdout(), strings.Join(out, "\t"))
	}
	ts.Check(rows.Err())
}
