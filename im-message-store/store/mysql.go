package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mysqldb"
	"github.com/whaleim/whaleim/im-common/sqlite"
)

// Statement bounds: a batch is written as few multi-row statements, each
// well under MariaDB's default 16 MiB max_allowed_packet. On SQLite the
// statements stay small: its driver (glebarez/go-sqlite) finds each
// parameter's argument by a linear search, so binding one statement costs
// the square of its parameters (500 rows of 15 columns spent a fifth of
// the standalone binary's CPU there), while a statement costs no round trip.
const (
	maxStatementRows       = 500
	maxSQLiteStatementRows = 32
	maxStatementBytes      = 4 << 20
)

// engine is what the store's SQL does differently per database.
type engine struct {
	in   tupleIn // matches columns against tuples
	rows int     // rows (or tuples) per statement
}

// mysqlWriter writes store records into im_message, on MariaDB or, in the
// standalone binary, SQLite. Every write is idempotent, so a redelivered or
// republished record is harmless. Safe for concurrent use.
type mysqlWriter struct {
	db  *gorm.DB
	now func() time.Time
	e   engine
}

// newMySQLWriter returns a writer over db, whose table must exist
// (ensureTable).
func newMySQLWriter(db *gorm.DB) *mysqlWriter {
	w := &mysqlWriter{db: db, now: time.Now, e: engine{in: mysqldb.TupleIn, rows: maxStatementRows}}
	if onSQLite(db) {
		w.e = engine{in: sqlite.TupleIn, rows: maxSQLiteStatementRows}
	}
	return w
}

// onSQLite reports whether db is an SQLite handle (im-common/sqlite.Open).
func onSQLite(db *gorm.DB) bool { return db.Dialector.Name() == "sqlite" }

// ensureTable creates im_message in db unless it exists.
func ensureTable(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("store: database: %w", err)
	}
	if onSQLite(db) {
		if err := sqlite.Ensure(ctx, sqlDB, messagedb.CreateTable); err != nil {
			return err
		}
		return messagedb.Upgrade(ctx, sqlDB)
	}
	return messagedb.Ensure(ctx, sqlDB)
}

// openMySQL opens the database of cfg and creates im_message if missing.
// mysqldb.Tune turns on the driver's client-side parameter interpolation:
// one round trip per statement instead of prepare, execute and close, which
// measured 1.5x the rows per second on batch inserts. The DSN should keep
// the driver's default of reporting changed rows (no clientFoundRows),
// which the duplicate count relies on.
func openMySQL(ctx context.Context, cfg config.MySQL) (*gorm.DB, error) {
	dsn, err := mysqldb.Tune(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("store: IM_MYSQL_DSN: %w", err)
	}
	if err := mysqldb.EnsureDatabase(ctx, cfg.DSN); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := gorm.Open(mysql.Open(dsn.FormatDSN()), &gorm.Config{
		Logger:                 logger.Discard, // errors are returned, never logged twice
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open mysql: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: open mysql: %w", err)
	}
	sqlDB.SetMaxOpenConns(cfg.MaxConns)
	sqlDB.SetMaxIdleConns(cfg.MaxConns)
	sqlDB.SetConnMaxLifetime(5 * time.Minute)
	if err := messagedb.Ensure(ctx, sqlDB); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// result is what one Write did.
type result struct {
	Inserted   int       // rows created
	Duplicates int       // insert records whose message was already stored
	Recalled   int       // rows whose recalled flag this write set
	Edited     int       // rows an edit changed or inserted edited
	Refused    []refusal // records that cannot be stored (key conflicts)
}

// refusal names one record of a batch that goes to the dead-letter queue.
type refusal struct {
	index int // into the batch given to Write
	err   error
}

// Write stores recs in one transaction: inserts become rows unless the
// message exists; edits replace the body of a message that is not recalled
// and carries an older version (inserting the message edited when the edit
// overtook its insert); recalls set the recalled flag, inserting the
// message recalled when the recall overtook its insert. Nothing is written when it
// returns an error. A record whose primary or server key is taken by a
// different message is refused, not stored: that is a seq or key reuse
// upstream, and the record must reach an operator.
func (m *mysqlWriter) Write(ctx context.Context, recs []mq.StoreRecord) (result, error) {
	var res result
	err := m.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = write(tx, m.e, recs, m.now().UnixMilli())
		return err
	})
	if err != nil {
		return result{}, fmt.Errorf("store: write %d records: %w", len(recs), err)
	}
	return res, nil
}

func write(tx *gorm.DB, e engine, recs []mq.StoreRecord, now int64) (result, error) {
	var inserts, recalls []row
	var edits []mq.Message
	var recalled [][]any
	for _, r := range recs {
		switch r.Op {
		case mq.OpRecall:
			recalls = append(recalls, toRow(r.Message, true, now))
			recalled = append(recalled, identityOf(r.Message).tuple())
		case mq.OpEdit:
			edits = append(edits, r.Message)
		default:
			inserts = append(inserts, toRow(r.Message, false, now))
		}
	}
	ins, err := insertAbsent(tx, e, inserts)
	if err != nil {
		return result{}, err
	}
	edited, editIns, err := applyEdits(tx, edits, now)
	if err != nil {
		return result{}, err
	}
	early, err := insertAbsent(tx, e, recalls)
	if err != nil {
		return result{}, err
	}
	flipped, err := markRecalled(tx, e, recalled)
	if err != nil {
		return result{}, err
	}
	res := result{Inserted: ins + editIns + early, Duplicates: len(inserts) - ins, Recalled: early + flipped, Edited: edited}
	if res.Inserted < len(recs) {
		if res.Refused, err = conflicts(tx, e, recs); err != nil {
			return result{}, err
		}
		for _, f := range res.Refused {
			if recs[f.index].Op == mq.OpInsert {
				res.Duplicates--
			}
		}
	}
	return res, nil
}

// insertAbsent inserts the rows that do not collide with a stored row on any
// unique key and returns how many it inserted. It uses ON DUPLICATE KEY
// UPDATE of a key column to itself, not INSERT IGNORE: IGNORE would also
// turn data errors (a value too long, a bad string) into silent truncation.
func insertAbsent(tx *gorm.DB, e engine, rows []row) (int, error) {
	n := 0
	for _, c := range chunks(rows, e.rows, maxStatementBytes) {
		r := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c)
		if r.Error != nil {
			return 0, r.Error
		}
		n += int(r.RowsAffected)
	}
	return n, nil
}

// applyEdits writes each edit: the message is inserted edited when the
// edit overtook its insert, else its body, extra and version are replaced
// unless it is recalled or a newer edit is stored. Edits are rare control
// commands, so two statements each are fine. It returns the rows edited
// and, of them, those inserted.
func applyEdits(tx *gorm.DB, edits []mq.Message, now int64) (edited, inserted int, err error) {
	for _, m := range edits {
		r := editedRow{Row: toRow(m, false, now), Edited: m.Edited}
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
		if ins.Error != nil {
			return 0, 0, ins.Error
		}
		if ins.RowsAffected > 0 {
			edited, inserted = edited+1, inserted+1
			continue
		}
		up := tx.Model(&row{}).Where("app_id = ? AND from_id = ? AND message_id = ? AND recalled = ? AND "+messagedb.ColEdited+" < ?",
			m.AppID, m.FromID, m.MessageID, false, m.Edited).
			Updates(map[string]any{messagedb.ColBody: m.Body, messagedb.ColExtra: m.Extra, messagedb.ColEdited: m.Edited})
		if up.Error != nil {
			return 0, 0, up.Error
		}
		edited += int(up.RowsAffected)
	}
	return edited, inserted, nil
}

// markRecalled sets the recalled flag of the messages with the given
// identities. It matches on the sender's key, never on the conflicting
// key of an upsert, so it cannot flip another message's flag.
func markRecalled(tx *gorm.DB, e engine, ids [][]any) (int, error) {
	n := 0
	for start := 0; start < len(ids); start += e.rows {
		part := ids[start:min(start+e.rows, len(ids))]
		cond, args := e.in("app_id, from_id, message_id", part)
		r := tx.Model(&row{}).Where(cond+" AND recalled = ?", append(args, false)...).Update("recalled", true)
		if r.Error != nil {
			return 0, r.Error
		}
		n += int(r.RowsAffected)
	}
	return n, nil
}

// conflicts returns the records whose message is not stored after the
// write: their insert collided with a different message on the primary key
// or message_key.
func conflicts(tx *gorm.DB, e engine, recs []mq.StoreRecord) ([]refusal, error) {
	stored := make(map[identity]bool, len(recs))
	for start := 0; start < len(recs); start += e.rows {
		part := recs[start:min(start+e.rows, len(recs))]
		tuples := make([][]any, len(part))
		for i, r := range part {
			tuples[i] = identityOf(r.Message).tuple()
		}
		var found []identity
		cond, args := e.in("app_id, from_id, message_id", tuples)
		err := tx.Model(&row{}).Select("app_id, from_id, message_id").Where(cond, args...).Find(&found).Error
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			stored[id] = true
		}
	}
	var out []refusal
	for i, r := range recs {
		if !stored[identityOf(r.Message)] {
			out = append(out, refusal{index: i, err: refuse(kindConflict,
				"%s seq %d or messageKey %d belongs to another message", r.Message.ConversationID, r.Message.Seq, r.Message.MessageKey)})
		}
	}
	return out, nil
}

// dataErrors are the MySQL errors that one record's values cause. A batch
// failing with one of them is split so that only that record is refused.
var dataErrors = map[uint16]bool{
	1048: true, // column cannot be null
	1264: true, // out of range value
	1292: true, // truncated incorrect value
	1364: true, // field doesn't have a default value
	1366: true, // incorrect string value
	1406: true, // data too long for column
}

// tupleIn matches columns against tuples (mysqldb.TupleIn, sqlite.TupleIn).
type tupleIn func(cols string, tuples [][]any) (string, []any)

// isDataError reports whether err is caused by the values of a record,
// which retrying cannot fix.
func isDataError(err error) bool {
	var me *mysqldriver.MySQLError
	return (errors.As(err, &me) && dataErrors[me.Number]) || sqlite.IsDataError(err)
}
