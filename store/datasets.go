package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"
)

// The dataset tables, created with the run tables (see schema). An item's
// bytes live in a blob store under a key made from its SHA-256; the rows
// hold what is known about it.
var datasetSchema = []string{
	`CREATE TABLE IF NOT EXISTS mlf_datasets (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		kind TEXT NOT NULL,
		description TEXT NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS mlf_items (
		id TEXT PRIMARY KEY,
		dataset_id TEXT NOT NULL REFERENCES mlf_datasets (id),
		label TEXT NOT NULL,
		sha256 TEXT NOT NULL,
		width INTEGER NOT NULL,
		height INTEGER NOT NULL,
		format TEXT NOT NULL,
		bytes BIGINT NOT NULL,
		source TEXT NOT NULL,
		query TEXT NOT NULL DEFAULT '',
		page INTEGER NOT NULL DEFAULT 0,
		url TEXT NOT NULL DEFAULT '',
		dhash BIGINT NOT NULL DEFAULT 0,
		added_at BIGINT NOT NULL,
		UNIQUE (dataset_id, sha256))`,
	`CREATE INDEX IF NOT EXISTS mlf_items_label ON mlf_items (dataset_id, label, id)`,
	`CREATE INDEX IF NOT EXISTS mlf_items_sha ON mlf_items (sha256)`,
}

// Dataset is a named collection of labelled items.
type Dataset struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"` // "images" or "table"
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Items is the number of items (filled by ListDatasets and GetDataset).
	Items int `json:"items"`
	// Version counts the changes of the dataset's items: every add,
	// delete and relabel bumps it in the transaction of the change, so
	// that a listing cached under a version is current while the version
	// is.
	Version int64 `json:"version"`
}

// Item is one stored image of a dataset.
type Item struct {
	ID        string `json:"id"`
	DatasetID string `json:"-"`
	Label     string `json:"label"`
	SHA256    string `json:"sha256"` // hex
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Format    string `json:"format"` // "PNG", "JPEG" or "GIF"
	Bytes     int64  `json:"bytes"`
	// Source says how the item came: "upload", "import", "url" or "query".
	Source string `json:"source"`
	Query  string `json:"query,omitempty"`
	Page   int    `json:"page,omitempty"`
	URL    string `json:"url,omitempty"`
	// DHash is the 64-bit difference hash of the image (near duplicates
	// differ in few bits).
	DHash   uint64    `json:"dhash,string"`
	AddedAt time.Time `json:"added_at"`
}

// ErrExists is returned when a dataset of that name exists already.
var ErrExists = errors.New("exists already")

// CreateDataset inserts d, which must have an ID, a name and a kind;
// CreatedAt defaults to now. A dataset of the same name is ErrExists.
func (s *Store) CreateDataset(ctx context.Context, d *Dataset) error {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now().UTC()
	}
	if _, err := s.GetDataset(ctx, d.Name); err == nil {
		return ErrExists
	}
	err := changed(s.db.ExecContext(ctx, `INSERT INTO mlf_datasets (id, name, kind, description, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
		d.ID, d.Name, d.Kind, d.Description, ms(d.CreatedAt)))
	if errors.Is(err, ErrNotFound) {
		return ErrExists // the name was taken since GetDataset
	}
	return err
}

const datasetCols = `d.id, d.name, d.kind, d.description, d.created_at, d.version, (SELECT COUNT(*) FROM mlf_items i WHERE i.dataset_id = d.id)`

func scanDataset(sc rowScanner) (*Dataset, error) {
	var d Dataset
	var created int64
	if err := sc.Scan(&d.ID, &d.Name, &d.Kind, &d.Description, &created, &d.Version, &d.Items); err != nil {
		return nil, err
	}
	d.CreatedAt = time.UnixMilli(created).UTC()
	return &d, nil
}

// GetDataset returns the dataset called name, or ErrNotFound.
func (s *Store) GetDataset(ctx context.Context, name string) (*Dataset, error) {
	d, err := scanDataset(s.rdb.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM mlf_datasets d WHERE d.name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return d, err
}

// DatasetVersion returns the ID and the version of the dataset called
// name (see Dataset.Version), or ErrNotFound: one indexed row, for a
// cache of its items to check that it is current.
func (s *Store) DatasetVersion(ctx context.Context, name string) (id string, version int64, err error) {
	err = s.rdb.QueryRowContext(ctx, `SELECT id, version FROM mlf_datasets WHERE name = $1`, name).Scan(&id, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, ErrNotFound
	}
	return id, version, err
}

// bumpVersion counts a change of the items of dataset id, in the
// change's transaction.
func bumpVersion(ctx context.Context, tx *sql.Tx, id string) error {
	return changed(tx.ExecContext(ctx, `UPDATE mlf_datasets SET version = version + 1 WHERE id = $1`, id))
}

// ListDatasets returns every dataset by name.
func (s *Store) ListDatasets(ctx context.Context) ([]*Dataset, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+datasetCols+` FROM mlf_datasets d ORDER BY d.name`)
	return scanRows(rows, err, scanDataset)
}

// DeleteDataset removes the dataset called name with its items, and
// returns the hashes its items had (their blobs may now be unreferenced).
func (s *Store) DeleteDataset(ctx context.Context, name string) ([]string, error) {
	var deleted []string
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM mlf_datasets WHERE name = $1`, name).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		shas, err := collect(tx.QueryContext(ctx, `SELECT sha256 FROM mlf_items WHERE dataset_id = $1`, id))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mlf_items WHERE dataset_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mlf_datasets WHERE id = $1`, id); err != nil {
			return err
		}
		deleted = shas
		return nil
	})
	return deleted, err
}

// collect returns the strings of a one-column query, given as
// QueryContext returns it.
func collect(rows *sql.Rows, err error) ([]string, error) {
	return scanRows(rows, err, func(sc rowScanner) (string, error) {
		var v string
		err := sc.Scan(&v)
		return v, err
	})
}

// LabelCount is the number of items under one label.
type LabelCount struct {
	Label string `json:"label"`
	Items int    `json:"items"`
}

// LabelCounts returns the labels of a dataset with their item counts, by
// label.
func (s *Store) LabelCounts(ctx context.Context, datasetID string) ([]LabelCount, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT label, COUNT(*) FROM mlf_items WHERE dataset_id = $1 GROUP BY label ORDER BY label`, datasetID)
	return scanRows(rows, err, func(sc rowScanner) (LabelCount, error) {
		var c LabelCount
		err := sc.Scan(&c.Label, &c.Items)
		return c, err
	})
}

const itemCols = `id, dataset_id, label, sha256, width, height, format, bytes, source, query, page, url, dhash, added_at`

func scanItem(sc rowScanner) (*Item, error) {
	var it Item
	var dh, added int64
	if err := sc.Scan(&it.ID, &it.DatasetID, &it.Label, &it.SHA256, &it.Width, &it.Height, &it.Format, &it.Bytes, &it.Source, &it.Query, &it.Page, &it.URL, &dh, &added); err != nil {
		return nil, err
	}
	it.DHash = uint64(dh)
	it.AddedAt = time.UnixMilli(added).UTC()
	return &it, nil
}

// ItemOptions filter and page ListItems.
type ItemOptions struct {
	Labels []string // only these labels; nil = all
	After  string   // items with a larger ID (the next-page cursor)
	Limit  int      // 1..1000, default 100; < 0: every item
}

// ListItems returns items of a dataset in ID order (the order they were
// added).
func (s *Store) ListItems(ctx context.Context, datasetID string, o ItemOptions) ([]*Item, error) {
	args := []any{datasetID}
	q := `SELECT ` + itemCols + ` FROM mlf_items WHERE dataset_id = $1`
	if len(o.Labels) > 0 {
		q += " AND label IN ("
		for i, l := range o.Labels {
			args = append(args, l)
			if i > 0 {
				q += ", "
			}
			q += "$" + strconv.Itoa(len(args))
		}
		q += ")"
	}
	if o.After != "" {
		args = append(args, o.After)
		q += " AND id > $" + strconv.Itoa(len(args))
	}
	q += " ORDER BY id"
	if o.Limit >= 0 {
		if o.Limit == 0 || o.Limit > 1000 {
			o.Limit = 100
		}
		q += " LIMIT " + strconv.Itoa(o.Limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	return scanRows(rows, err, scanItem)
}

// GetItem returns item id of a dataset, or ErrNotFound.
func (s *Store) GetItem(ctx context.Context, datasetID, id string) (*Item, error) {
	it, err := scanItem(s.rdb.QueryRowContext(ctx, `SELECT `+itemCols+` FROM mlf_items WHERE dataset_id = $1 AND id = $2`, datasetID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return it, err
}

// AddItems inserts items into a dataset in one transaction: all of them or,
// on an error, none. An item whose hash the dataset holds already is not
// inserted; AddItems returns the items it inserted.
func (s *Store) AddItems(ctx context.Context, datasetID string, items []*Item) ([]*Item, error) {
	var inserted []*Item
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_datasets WHERE id = $1`, datasetID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return ErrNotFound
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO mlf_items (`+itemCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (dataset_id, sha256) DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		var added []*Item
		now := time.Now().UTC()
		for _, it := range items {
			it.DatasetID = datasetID
			if it.AddedAt.IsZero() {
				it.AddedAt = now
			}
			res, err := st.ExecContext(ctx, it.ID, datasetID, it.Label, it.SHA256, it.Width, it.Height, it.Format, it.Bytes, it.Source, it.Query, it.Page, it.URL, int64(it.DHash), ms(it.AddedAt))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				added = append(added, it)
			}
		}
		if len(added) > 0 {
			if err := bumpVersion(ctx, tx, datasetID); err != nil {
				return err
			}
		}
		inserted = added
		return nil
	})
	return inserted, err
}

// DeleteItem removes item id of a dataset and returns it.
func (s *Store) DeleteItem(ctx context.Context, datasetID, id string) (*Item, error) {
	var deleted *Item
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		it, err := scanItem(tx.QueryRowContext(ctx, `SELECT `+itemCols+` FROM mlf_items WHERE dataset_id = $1 AND id = $2`, datasetID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := changed(tx.ExecContext(ctx, `DELETE FROM mlf_items WHERE dataset_id = $1 AND id = $2`, datasetID, id)); err != nil {
			return err
		}
		if err := bumpVersion(ctx, tx, datasetID); err != nil {
			return err
		}
		deleted = it
		return nil
	})
	return deleted, err
}

// RelabelItem gives item id of a dataset the label label.
func (s *Store) RelabelItem(ctx context.Context, datasetID, id, label string) error {
	return s.sqlTx(ctx, func(tx *sql.Tx) error {
		if err := changed(tx.ExecContext(ctx, `UPDATE mlf_items SET label = $1 WHERE dataset_id = $2 AND id = $3`, label, datasetID, id)); err != nil {
			return err
		}
		return bumpVersion(ctx, tx, datasetID)
	})
}

// HashRef is an item's hashes, for duplicate checks.
type HashRef struct {
	ID, Label, SHA256 string
	DHash             uint64
}

// ItemHashes returns the hashes of every item of a dataset.
func (s *Store) ItemHashes(ctx context.Context, datasetID string) ([]HashRef, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, label, sha256, dhash FROM mlf_items WHERE dataset_id = $1 ORDER BY id`, datasetID)
	return scanRows(rows, err, func(sc rowScanner) (HashRef, error) {
		var h HashRef
		var dh int64
		err := sc.Scan(&h.ID, &h.Label, &h.SHA256, &dh)
		h.DHash = uint64(dh)
		return h, err
	})
}

// SHAReferenced reports whether any item of any dataset has the hash sha.
func (s *Store) SHAReferenced(ctx context.Context, sha string) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_items WHERE sha256 = $1`, sha).Scan(&n)
	return n > 0, err
}

// AllItemHashes calls f with the hash and size of every stored item (of
// every dataset; a hash may repeat), for the blob check.
func (s *Store) AllItemHashes(ctx context.Context, f func(datasetID, id, sha string, size int64) error) error {
	rows, err := s.rdb.QueryContext(ctx, `SELECT dataset_id, id, sha256, bytes FROM mlf_items ORDER BY sha256`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ds, id, sha string
		var n int64
		if err := rows.Scan(&ds, &id, &sha, &n); err != nil {
			return err
		}
		if err := f(ds, id, sha, n); err != nil {
			return err
		}
	}
	return rows.Err()
}
