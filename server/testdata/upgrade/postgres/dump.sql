--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: mlf_upgrade_fixture; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA mlf_upgrade_fixture;


--
-- Name: river_job_state; Type: TYPE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TYPE mlf_upgrade_fixture.river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);


--
-- Name: river_job_state_in_bitmask(bit, mlf_upgrade_fixture.river_job_state); Type: FUNCTION; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE FUNCTION mlf_upgrade_fixture.river_job_state_in_bitmask(bitmask bit, state mlf_upgrade_fixture.river_job_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: mlf_datasets; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_datasets (
    id text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: mlf_evaluations; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_evaluations (
    id text NOT NULL,
    run_id text NOT NULL,
    data text NOT NULL,
    result text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: mlf_events; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_events (
    run_id text NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    data text NOT NULL,
    t bigint NOT NULL
);


--
-- Name: mlf_items; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_items (
    id text NOT NULL,
    dataset_id text NOT NULL,
    label text NOT NULL,
    sha256 text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    format text NOT NULL,
    bytes bigint NOT NULL,
    source text NOT NULL,
    query text DEFAULT ''::text NOT NULL,
    page integer DEFAULT 0 NOT NULL,
    url text DEFAULT ''::text NOT NULL,
    dhash bigint DEFAULT 0 NOT NULL,
    added_at bigint NOT NULL
);


--
-- Name: mlf_model_aliases; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_model_aliases (
    name text NOT NULL,
    alias text NOT NULL,
    run_id text NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: mlf_points; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_points (
    run_id text NOT NULL,
    series text NOT NULL,
    step integer NOT NULL,
    epoch integer NOT NULL,
    value double precision NOT NULL,
    t bigint NOT NULL
);


--
-- Name: mlf_run_tags; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_run_tags (
    run_id text NOT NULL,
    key text NOT NULL,
    value text NOT NULL
);


--
-- Name: mlf_runs; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.mlf_runs (
    id text NOT NULL,
    name text NOT NULL,
    status text NOT NULL,
    class text NOT NULL,
    spec text NOT NULL,
    result text,
    error text DEFAULT ''::text NOT NULL,
    attempt integer DEFAULT 0 NOT NULL,
    crashes integer DEFAULT 0 NOT NULL,
    cancel_requested integer DEFAULT 0 NOT NULL,
    created_at bigint NOT NULL,
    started_at bigint,
    finished_at bigint,
    heartbeat_at bigint,
    note text DEFAULT ''::text NOT NULL
);


--
-- Name: river_job; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.river_job (
    id bigint NOT NULL,
    state mlf_upgrade_fixture.river_job_state DEFAULT 'available'::mlf_upgrade_fixture.river_job_state NOT NULL,
    attempt smallint DEFAULT 0 NOT NULL,
    max_attempts smallint DEFAULT 25 NOT NULL,
    attempted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finalized_at timestamp with time zone,
    scheduled_at timestamp with time zone DEFAULT now() NOT NULL,
    priority smallint DEFAULT 1 NOT NULL,
    args jsonb NOT NULL,
    attempted_by text[],
    errors jsonb[],
    kind text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    queue text DEFAULT 'default'::text NOT NULL,
    tags character varying(255)[] DEFAULT '{}'::character varying[] NOT NULL,
    unique_key bytea,
    unique_states bit(8),
    CONSTRAINT finalized_or_finalized_at_null CHECK ((((finalized_at IS NULL) AND (state <> ALL (ARRAY['cancelled'::mlf_upgrade_fixture.river_job_state, 'completed'::mlf_upgrade_fixture.river_job_state, 'discarded'::mlf_upgrade_fixture.river_job_state]))) OR ((finalized_at IS NOT NULL) AND (state = ANY (ARRAY['cancelled'::mlf_upgrade_fixture.river_job_state, 'completed'::mlf_upgrade_fixture.river_job_state, 'discarded'::mlf_upgrade_fixture.river_job_state]))))),
    CONSTRAINT kind_length CHECK (((char_length(kind) > 0) AND (char_length(kind) < 128))),
    CONSTRAINT max_attempts_is_positive CHECK ((max_attempts > 0)),
    CONSTRAINT priority_in_range CHECK (((priority >= 1) AND (priority <= 4))),
    CONSTRAINT queue_length CHECK (((char_length(queue) > 0) AND (char_length(queue) < 128)))
);


--
-- Name: river_job_id_seq; Type: SEQUENCE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE SEQUENCE mlf_upgrade_fixture.river_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_job_id_seq; Type: SEQUENCE OWNED BY; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER SEQUENCE mlf_upgrade_fixture.river_job_id_seq OWNED BY mlf_upgrade_fixture.river_job.id;


--
-- Name: river_leader; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE UNLOGGED TABLE mlf_upgrade_fixture.river_leader (
    elected_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    leader_id text NOT NULL,
    name text DEFAULT 'default'::text NOT NULL,
    CONSTRAINT leader_id_length CHECK (((char_length(leader_id) > 0) AND (char_length(leader_id) < 128))),
    CONSTRAINT name_length CHECK ((name = 'default'::text))
);


--
-- Name: river_migration; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.river_migration (
    line text NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT line_length CHECK (((char_length(line) > 0) AND (char_length(line) < 128))),
    CONSTRAINT version_gte_1 CHECK ((version >= 1))
);


--
-- Name: river_notification; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.river_notification (
    id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    payload text NOT NULL,
    topic text NOT NULL,
    CONSTRAINT topic_length CHECK (((length(topic) > 0) AND (length(topic) < 128)))
);


--
-- Name: river_notification_id_seq; Type: SEQUENCE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE SEQUENCE mlf_upgrade_fixture.river_notification_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_notification_id_seq; Type: SEQUENCE OWNED BY; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER SEQUENCE mlf_upgrade_fixture.river_notification_id_seq OWNED BY mlf_upgrade_fixture.river_notification.id;


--
-- Name: river_queue; Type: TABLE; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE TABLE mlf_upgrade_fixture.river_queue (
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paused_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);


--
-- Name: river_job id; Type: DEFAULT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_job ALTER COLUMN id SET DEFAULT nextval('mlf_upgrade_fixture.river_job_id_seq'::regclass);


--
-- Name: river_notification id; Type: DEFAULT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_notification ALTER COLUMN id SET DEFAULT nextval('mlf_upgrade_fixture.river_notification_id_seq'::regclass);


--
-- Data for Name: mlf_datasets; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: mlf_evaluations; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: mlf_events; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--

INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 1, 'status', '{"attempt":0,"message":"started","status":"running"}', 1796311115133);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 2, 'log', '{"message":"load builtin:iris"}', 1796311115182);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 3, 'log', '{"message":"fit LogisticRegression"}', 1796311115182);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 4, 'progress', '{"kind":"iter","step":1,"total":100,"loss":116.55128235543}', 1796311115182);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 5, 'metric', '{"series":"loss","step":1,"epoch":0,"value":116.55128235543,"time":"2026-12-03T15:18:35.182196247Z"}', 1796311115182);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 6, 'log', '{"message":"evaluate"}', 1796311115185);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 7, 'log', '{"message":"saved /tmp/tmp.oqW7o17hAp/postgres/runs/001a23c7c653e09537a24/model.safetensors"}', 1796311115217);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 8, 'metric', '{"series":"test_f1_macro","step":0,"epoch":0,"value":0.9731615673644659,"time":"2026-12-03T15:18:35.217866643Z"}', 1796311115217);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 9, 'metric', '{"series":"test_accuracy","step":0,"epoch":0,"value":0.9736842105263158,"time":"2026-12-03T15:18:35.217877634Z"}', 1796311115217);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 10, 'log', '{"message":"training process: 0.08 s, peak memory 37 MiB (limit 11.8 GiB)"}', 1796311115220);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 11, 'progress', '{"kind":"iter","step":93,"total":100,"loss":23.64361497453406}', 1796311115220);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 12, 'metric', '{"series":"loss","step":93,"epoch":0,"value":23.64361497453406,"time":"2026-12-03T15:18:35.220094912Z"}', 1796311115220);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c653e09537a24', 13, 'status', '{"attempt":0,"message":"","status":"succeeded"}', 1796311115317);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 1, 'status', '{"attempt":0,"message":"started","status":"running"}', 1796311115412);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 2, 'log', '{"message":"load builtin:iris"}', 1796311115431);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 3, 'progress', '{"kind":"step","step":1,"total":21,"epoch":1,"epochs":3,"loss":1.2013134956359863}', 1796311115438);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 4, 'metric', '{"series":"loss","step":1,"epoch":1,"value":1.2013134956359863,"time":"2026-12-03T15:18:35.438162206Z"}', 1796311115438);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 5, 'progress', '{"kind":"step","step":7,"total":21,"epoch":1,"epochs":3,"loss":0.9203020930290222}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 6, 'metric', '{"series":"loss","step":7,"epoch":1,"value":0.9203020930290222,"time":"2026-12-03T15:18:35.476846805Z"}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 7, 'progress', '{"kind":"epoch","step":7,"total":21,"epoch":1,"epochs":3,"loss":0.9589332001549857,"metrics":{"lr":0.05,"val_accuracy":0.6578947368421053,"val_loss":0.8179227113723755}}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 8, 'metric', '{"series":"epoch_loss","step":7,"epoch":1,"value":0.9589332001549857,"time":"2026-12-03T15:18:35.476878945Z"}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 9, 'metric', '{"series":"lr","step":7,"epoch":1,"value":0.05,"time":"2026-12-03T15:18:35.476881961Z"}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 10, 'metric', '{"series":"val_accuracy","step":7,"epoch":1,"value":0.6578947368421053,"time":"2026-12-03T15:18:35.476883574Z"}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 11, 'metric', '{"series":"val_loss","step":7,"epoch":1,"value":0.8179227113723755,"time":"2026-12-03T15:18:35.476887822Z"}', 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 12, 'progress', '{"kind":"step","step":14,"total":21,"epoch":2,"epochs":3,"loss":0.7066207528114319}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 13, 'metric', '{"series":"loss","step":14,"epoch":2,"value":0.7066207528114319,"time":"2026-12-03T15:18:35.49317376Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 14, 'progress', '{"kind":"epoch","step":14,"total":21,"epoch":2,"epochs":3,"loss":0.7738717198371887,"metrics":{"lr":0.05,"val_accuracy":0.6578947368421053,"val_loss":0.7566367983818054}}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 15, 'metric', '{"series":"epoch_loss","step":14,"epoch":2,"value":0.7738717198371887,"time":"2026-12-03T15:18:35.49318929Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 16, 'metric', '{"series":"val_loss","step":14,"epoch":2,"value":0.7566367983818054,"time":"2026-12-03T15:18:35.493204628Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 17, 'metric', '{"series":"lr","step":14,"epoch":2,"value":0.05,"time":"2026-12-03T15:18:35.493207784Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 18, 'metric', '{"series":"val_accuracy","step":14,"epoch":2,"value":0.6578947368421053,"time":"2026-12-03T15:18:35.493209267Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 19, 'progress', '{"kind":"step","step":15,"total":21,"epoch":3,"epochs":3,"loss":0.8615579009056091}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 20, 'metric', '{"series":"loss","step":15,"epoch":3,"value":0.8615579009056091,"time":"2026-12-03T15:18:35.49322157Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 21, 'progress', '{"kind":"step","step":21,"total":21,"epoch":3,"epochs":3,"loss":0.7069137692451477}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 22, 'metric', '{"series":"loss","step":21,"epoch":3,"value":0.7069137692451477,"time":"2026-12-03T15:18:35.493251536Z"}', 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 23, 'progress', '{"kind":"epoch","step":21,"total":21,"epoch":3,"epochs":3,"loss":0.7303140844617572,"metrics":{"lr":0.05,"val_accuracy":0.6578947368421053,"val_loss":0.6702182292938232}}', 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 24, 'metric', '{"series":"epoch_loss","step":21,"epoch":3,"value":0.7303140844617572,"time":"2026-12-03T15:18:35.50014924Z"}', 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 25, 'metric', '{"series":"val_loss","step":21,"epoch":3,"value":0.6702182292938232,"time":"2026-12-03T15:18:35.500156224Z"}', 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 26, 'metric', '{"series":"lr","step":21,"epoch":3,"value":0.05,"time":"2026-12-03T15:18:35.500157987Z"}', 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 27, 'metric', '{"series":"val_accuracy","step":21,"epoch":3,"value":0.6578947368421053,"time":"2026-12-03T15:18:35.50015964Z"}', 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 28, 'log', '{"message":"evaluate"}', 1796311115502);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 29, 'log', '{"message":"saved /tmp/tmp.oqW7o17hAp/postgres/runs/001a23c7c665b96384310/model.safetensors"}', 1796311115504);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 30, 'metric', '{"series":"test_accuracy","step":0,"epoch":0,"value":0.6578947368421053,"time":"2026-12-03T15:18:35.504225003Z"}', 1796311115504);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 31, 'log', '{"message":"training process: 0.10 s, peak memory 38 MiB (limit 11.8 GiB)"}', 1796311115511);
INSERT INTO mlf_upgrade_fixture.mlf_events VALUES ('001a23c7c665b96384310', 32, 'status', '{"attempt":0,"message":"","status":"succeeded"}', 1796311115522);


--
-- Data for Name: mlf_items; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: mlf_model_aliases; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: mlf_points; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--

INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c653e09537a24', 'loss', 1, 0, 116.55128235543, 1796311115182);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c653e09537a24', 'test_f1_macro', 0, 0, 0.9731615673644659, 1796311115217);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c653e09537a24', 'test_accuracy', 0, 0, 0.9736842105263158, 1796311115217);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c653e09537a24', 'loss', 93, 0, 23.64361497453406, 1796311115220);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'loss', 1, 1, 1.2013134956359863, 1796311115438);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'loss', 7, 1, 0.9203020930290222, 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'epoch_loss', 7, 1, 0.9589332001549857, 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'lr', 7, 1, 0.05, 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'val_accuracy', 7, 1, 0.6578947368421053, 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'val_loss', 7, 1, 0.8179227113723755, 1796311115476);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'loss', 14, 2, 0.7066207528114319, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'epoch_loss', 14, 2, 0.7738717198371887, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'val_loss', 14, 2, 0.7566367983818054, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'lr', 14, 2, 0.05, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'val_accuracy', 14, 2, 0.6578947368421053, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'loss', 15, 3, 0.8615579009056091, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'loss', 21, 3, 0.7069137692451477, 1796311115493);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'epoch_loss', 21, 3, 0.7303140844617572, 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'val_loss', 21, 3, 0.6702182292938232, 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'lr', 21, 3, 0.05, 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'val_accuracy', 21, 3, 0.6578947368421053, 1796311115500);
INSERT INTO mlf_upgrade_fixture.mlf_points VALUES ('001a23c7c665b96384310', 'test_accuracy', 0, 0, 0.6578947368421053, 1796311115504);


--
-- Data for Name: mlf_run_tags; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: mlf_runs; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--

INSERT INTO mlf_upgrade_fixture.mlf_runs VALUES ('001a23c7c653e09537a24', 'iris-lr', 'succeeded', 'LogisticRegression', '{"name":"iris-lr","data":{"train":"builtin:iris","split":{"test_size":0.25,"seed":0,"stratify":true}},"model":{"class":"LogisticRegression","params":{"C":1}},"metrics":["accuracy","f1_macro"],"output":"models/iris-lr"}', '{"name":"iris-lr","model_path":"runs/001a23c7c653e09537a24/model.safetensors","metrics":{"test":{"accuracy":0.9736842105263158,"f1_macro":0.9731615673644659},"train":{"accuracy":0.9732142857142857,"f1_macro":0.9733143568760007}},"timings":{"load_s":0.000162735,"fit_s":0.003357115,"predict_s":0.000114535},"model_file":"model.safetensors","task":"classification","class":"LogisticRegression","n_train":112,"n_test":38,"features":["sepal_length","sepal_width","petal_length","petal_width"],"labels":["setosa","versicolor","virginica"],"confusion_matrix":[[13,0,0],[0,13,0],[0,1,11]],"test_curves":{"score":"predict_proba","n_test":38,"classes":[{"label":"setosa","fpr":[0,0,0,1],"tpr":[0,0.076923,1,1],"roc_auc":1,"precision":[0.342105,0.351351,0.361111,0.371429,0.382353,0.393939,0.40625,0.419355,0.433333,0.448276,0.464286,0.481481,0.5,0.52,0.541667,0.565217,0.590909,0.619048,0.65,0.684211,0.722222,0.764706,0.8125,0.866667,0.928571,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"recall":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.923077,0.846154,0.769231,0.692308,0.615385,0.538462,0.461538,0.384615,0.307692,0.230769,0.153846,0.076923,0],"average_precision":0.9999999999999998},{"label":"versicolor","fpr":[0,0,0,0.04,0.04,1],"tpr":[0,0.076923,0.923077,0.923077,1,1],"roc_auc":0.9969230769230769,"precision":[0.342105,0.351351,0.361111,0.371429,0.382353,0.393939,0.40625,0.419355,0.433333,0.448276,0.464286,0.481481,0.5,0.52,0.541667,0.565217,0.590909,0.619048,0.65,0.684211,0.722222,0.764706,0.8125,0.866667,0.928571,0.923077,1,1,1,1,1,1,1,1,1,1,1,1,1],"recall":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.923077,0.923077,0.846154,0.769231,0.692308,0.615385,0.538462,0.461538,0.384615,0.307692,0.230769,0.153846,0.076923,0],"average_precision":0.9945054945054943},{"label":"virginica","fpr":[0,0,0,0.038462,0.038462,1],"tpr":[0,0.083333,0.916667,0.916667,1,1],"roc_auc":0.9967948717948718,"precision":[0.315789,0.324324,0.333333,0.342857,0.352941,0.363636,0.375,0.387097,0.4,0.413793,0.428571,0.444444,0.461538,0.48,0.5,0.521739,0.545455,0.571429,0.6,0.631579,0.666667,0.705882,0.75,0.8,0.857143,0.923077,0.916667,1,1,1,1,1,1,1,1,1,1,1,1],"recall":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.916667,0.916667,0.833333,0.75,0.666667,0.583333,0.5,0.416667,0.333333,0.25,0.166667,0.083333,0],"average_precision":0.9935897435897437}]},"importances":{"kind":"mean |coef_| over classes","n_features":4,"features":["petal_length","petal_width","sepal_width","sepal_length"],"values":[1.6789183849448943,1.0741501220694267,0.5551343491045624,0.2983085164562564]},"boundary":{"features":["petal_length","petal_width"],"chosen":"importances","held":[5.836607,3.045536,3.778571,1.216071],"labels":["setosa","versicolor","virginica"],"x_range":[0.705,7.195],"y_range":[-0.02,2.62],"nx":200,"ny":200,"cells":[0,63,1,110,2,27,0,63,1,110,2,27,0,63,1,110,2,27,0,63,1,109,2,28,0,63,1,109,2,28,0,63,1,109,2,28,0,62,1,109,2,29,0,62,1,109,2,29,0,62,1,109,2,29,0,62,1,108,2,30,0,62,1,108,2,30,0,62,1,108,2,30,0,62,1,107,2,31,0,62,1,107,2,31,0,62,1,107,2,31,0,62,1,106,2,32,0,62,1,106,2,32,0,62,1,106,2,32,0,62,1,105,2,33,0,61,1,106,2,33,0,61,1,106,2,33,0,61,1,105,2,34,0,61,1,105,2,34,0,61,1,105,2,34,0,61,1,104,2,35,0,61,1,104,2,35,0,61,1,104,2,35,0,61,1,103,2,36,0,61,1,103,2,36,0,61,1,103,2,36,0,61,1,102,2,37,0,60,1,103,2,37,0,60,1,103,2,37,0,60,1,102,2,38,0,60,1,102,2,38,0,60,1,102,2,38,0,60,1,101,2,39,0,60,1,101,2,39,0,60,1,101,2,39,0,60,1,100,2,40,0,60,1,100,2,40,0,60,1,100,2,40,0,60,1,99,2,41,0,60,1,99,2,41,0,59,1,100,2,41,0,59,1,99,2,42,0,59,1,99,2,42,0,59,1,99,2,42,0,59,1,98,2,43,0,59,1,98,2,43,0,59,1,98,2,43,0,59,1,97,2,44,0,59,1,97,2,44,0,59,1,97,2,44,0,59,1,96,2,45,0,59,1,96,2,45,0,58,1,97,2,45,0,58,1,96,2,46,0,58,1,96,2,46,0,58,1,96,2,46,0,58,1,95,2,47,0,58,1,95,2,47,0,58,1,95,2,47,0,58,1,94,2,48,0,58,1,94,2,48,0,58,1,94,2,48,0,58,1,93,2,49,0,58,1,93,2,49,0,58,1,93,2,49,0,57,1,93,2,50,0,57,1,93,2,50,0,57,1,93,2,50,0,57,1,92,2,51,0,57,1,92,2,51,0,57,1,92,2,51,0,57,1,91,2,52,0,57,1,91,2,52,0,57,1,91,2,52,0,57,1,90,2,53,0,57,1,90,2,53,0,57,1,90,2,53,0,56,1,90,2,54,0,56,1,90,2,54,0,56,1,90,2,54,0,56,1,89,2,55,0,56,1,89,2,55,0,56,1,89,2,55,0,56,1,88,2,56,0,56,1,88,2,56,0,56,1,87,2,57,0,56,1,87,2,57,0,56,1,87,2,57,0,56,1,86,2,58,0,55,1,87,2,58,0,55,1,87,2,58,0,55,1,86,2,59,0,55,1,86,2,59,0,55,1,86,2,59,0,55,1,85,2,60,0,55,1,85,2,60,0,55,1,85,2,60,0,55,1,84,2,61,0,55,1,84,2,61,0,55,1,84,2,61,0,55,1,83,2,62,0,55,1,83,2,62,0,54,1,84,2,62,0,54,1,83,2,63,0,54,1,83,2,63,0,54,1,83,2,63,0,54,1,82,2,64,0,54,1,82,2,64,0,54,1,82,2,64,0,54,1,81,2,65,0,54,1,81,2,65,0,54,1,81,2,65,0,54,1,80,2,66,0,54,1,80,2,66,0,53,1,81,2,66,0,53,1,80,2,67,0,53,1,80,2,67,0,53,1,80,2,67,0,53,1,79,2,68,0,53,1,79,2,68,0,53,1,79,2,68,0,53,1,78,2,69,0,53,1,78,2,69,0,53,1,78,2,69,0,53,1,77,2,70,0,53,1,77,2,70,0,53,1,77,2,70,0,52,1,77,2,71,0,52,1,77,2,71,0,52,1,77,2,71,0,52,1,76,2,72,0,52,1,76,2,72,0,52,1,76,2,72,0,52,1,75,2,73,0,52,1,75,2,73,0,52,1,75,2,73,0,52,1,74,2,74,0,52,1,74,2,74,0,52,1,74,2,74,0,51,1,74,2,75,0,51,1,74,2,75,0,51,1,74,2,75,0,51,1,73,2,76,0,51,1,73,2,76,0,51,1,73,2,76,0,51,1,72,2,77,0,51,1,72,2,77,0,51,1,72,2,77,0,51,1,71,2,78,0,51,1,71,2,78,0,51,1,71,2,78,0,51,1,70,2,79,0,50,1,71,2,79,0,50,1,71,2,79,0,50,1,70,2,80,0,50,1,70,2,80,0,50,1,70,2,80,0,50,1,69,2,81,0,50,1,69,2,81,0,50,1,69,2,81,0,50,1,68,2,82,0,50,1,68,2,82,0,50,1,68,2,82,0,50,1,67,2,83,0,49,1,68,2,83,0,49,1,68,2,83,0,49,1,67,2,84,0,49,1,67,2,84,0,49,1,67,2,84,0,49,1,66,2,85,0,49,1,66,2,85,0,49,1,66,2,85,0,49,1,65,2,86,0,49,1,65,2,86,0,49,1,65,2,86,0,49,1,64,2,87,0,48,1,65,2,87,0,48,1,65,2,87,0,48,1,64,2,88,0,48,1,64,2,88,0,48,1,64,2,88,0,48,1,63,2,89,0,48,1,63,2,89,0,48,1,63,2,89,0,48,1,62,2,90,0,48,1,62,2,90,0,48,1,62,2,90,0,48,1,61,2,91,0,48,1,61,2,91,0,47,1,62,2,91,0,47,1,61,2,92,0,47,1,61,2,92,0,47,1,61,2,92,0,47,1,60,2,93,0,47,1,60,2,93,0,47,1,60,2,93],"n_rows":112,"x":[5,5.3,4.4,1.3,5.1,1.3,4.1,5,3.3,5.1,4.8,1.5,5.6,4.3,1.2,5.2,1.4,5.8,4.5,4,5.5,1.9,1.6,1.1,4.1,1.3,1.5,6.1,1.5,5.5,5.6,3.6,4.7,5.9,5.6,1.7,1.7,4.1,5.8,1.9,6.1,4.5,3.9,1.5,1.4,6.3,5.1,5.4,4,1.4,3.9,1.2,1.3,4.7,1.3,4.5,1.6,1.7,1.4,1.6,5,4.8,5.6,1.6,4.9,1.4,5.6,5.7,4.5,1.6,4.5,3.3,4.3,4.9,4,6.7,4,4.2,4.2,5.8,4.5,6.9,1.5,1.7,1,3.9,1.4,6,4.6,1.4,5.7,5.7,3.8,1.6,4.8,5.1,4.8,6.4,6.1,4.2,5.1,3.7,1.6,5.4,1.4,5.9,5.3,5.1,3,1.5,4.4,1.4],"y":[1.7,1.9,1.4,0.2,1.5,0.4,1,1.9,1,1.9,1.8,0.2,2.1,1.3,0.2,2,0.2,2.2,1.5,1.2,1.8,0.4,0.4,0.1,1.3,0.3,0.2,1.9,0.4,1.8,2.4,1.3,1.5,2.1,1.4,0.5,0.3,1.3,1.8,0.2,2.5,1.5,1.2,0.2,0.1,1.8,2,2.3,1,0.3,1.4,0.2,0.2,1.6,0.2,1.6,0.2,0.4,0.3,0.6,1.5,1.8,2.4,0.2,1.8,0.2,2.2,2.1,1.3,0.2,1.5,1,1.3,1.5,1.3,2.2,1.3,1.3,1.3,1.6,1.5,2.3,0.2,0.2,0.2,1.1,0.2,2.5,1.4,0.2,2.3,2.5,1.1,0.2,1.4,1.9,1.8,2,2.3,1.5,2.4,1,0.2,2.1,0.2,2.3,2.3,1.6,1.1,0.1,1.4,0.1],"class":[1,2,1,0,2,0,1,2,1,2,2,0,2,1,0,2,0,2,1,1,2,0,0,0,1,0,0,2,0,2,2,1,1,2,2,0,0,1,2,0,2,1,1,0,0,2,2,2,1,0,1,0,0,1,0,1,0,0,0,0,2,2,2,0,2,0,2,2,1,0,1,1,1,1,1,2,1,1,1,2,1,2,0,0,0,1,0,2,1,0,2,2,1,0,1,2,1,2,2,1,2,1,0,2,0,2,2,1,1,0,1,0]},"model_sha256":"8b49a4d0ddb79740844a817f04db5b879042f3f9906ff3bb4eef5cb9f2240e8e","model_key":"runs/001a23c7c653e09537a24/model.safetensors","model_size":1816}', '', 0, 0, 0, 1796311115070, 1796311115121, 1796311115319, 1796311115121, '');
INSERT INTO mlf_upgrade_fixture.mlf_runs VALUES ('001a23c7c665b96384310', 'iris-net', 'succeeded', 'Sequential', '{"name":"iris-net","data":{"train":"builtin:iris","split":{"test_size":0.25,"seed":1,"stratify":true}},"model":{"layers":[{"in_features":"auto","out_features":8,"type":"Linear"},{"type":"ReLU"},{"in_features":"auto","out_features":"n_labels","type":"Linear"}]},"metrics":["accuracy"],"output":"models/iris-net","seed":1,"criterion":{"type":"CrossEntropyLoss"},"optimizer":{"type":"SGD","lr":0.05},"batch_size":16,"epochs":3}', '{"name":"iris-net","model_path":"runs/001a23c7c665b96384310/model.safetensors","metrics":{"test":{"accuracy":0.6578947368421053},"train":{"accuracy":0.6696428571428571}},"timings":{"load_s":0.006075573,"fit_s":0.062342079,"predict_s":0.00231942},"model_file":"model.safetensors","task":"classification","class":"Sequential","n_train":112,"n_test":38,"features":["sepal_length","sepal_width","petal_length","petal_width"],"labels":["setosa","versicolor","virginica"],"confusion_matrix":[[13,0,0],[0,0,13],[0,0,12]],"test_curves":{"score":"predict_proba","n_test":38,"classes":[{"label":"setosa","fpr":[0,0,0,1],"tpr":[0,0.076923,1,1],"roc_auc":1,"precision":[0.342105,0.351351,0.361111,0.371429,0.382353,0.393939,0.40625,0.419355,0.433333,0.448276,0.464286,0.481481,0.5,0.52,0.541667,0.565217,0.590909,0.619048,0.65,0.684211,0.722222,0.764706,0.8125,0.866667,0.928571,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"recall":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.923077,0.846154,0.769231,0.692308,0.615385,0.538462,0.461538,0.384615,0.307692,0.230769,0.153846,0.076923,0],"average_precision":0.9999999999999998},{"label":"versicolor","fpr":[0,0,0,0.12,0.12,1],"tpr":[0,0.076923,0.846154,0.846154,1,1],"roc_auc":0.9815384615384616,"precision":[0.342105,0.351351,0.361111,0.371429,0.382353,0.393939,0.40625,0.419355,0.433333,0.448276,0.464286,0.481481,0.5,0.52,0.541667,0.565217,0.590909,0.619048,0.65,0.684211,0.722222,0.764706,0.8125,0.8,0.785714,0.846154,0.916667,1,1,1,1,1,1,1,1,1,1,1,1],"recall":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.923077,0.846154,0.846154,0.846154,0.846154,0.769231,0.692308,0.615385,0.538462,0.461538,0.384615,0.307692,0.230769,0.153846,0.076923,0],"average_precision":0.9701923076923074},{"label":"virginica","fpr":[0,0,0,0.076923,0.076923,1],"tpr":[0,0.083333,0.75,0.75,1,1],"roc_auc":0.9807692307692307,"precision":[0.315789,0.324324,0.333333,0.342857,0.352941,0.363636,0.375,0.387097,0.4,0.413793,0.428571,0.444444,0.461538,0.48,0.5,0.521739,0.545455,0.571429,0.6,0.631579,0.666667,0.705882,0.75,0.8,0.857143,0.846154,0.833333,0.818182,0.9,1,1,1,1,1,1,1,1,1,1],"recall":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.916667,0.833333,0.75,0.75,0.75,0.666667,0.583333,0.5,0.416667,0.333333,0.25,0.166667,0.083333,0],"average_precision":0.9613858363858364}]},"model_sha256":"733acaf71cf12d06fa5737a08eea6ba558cf5cf25bfd96bfc5a35693274c79ab","model_key":"runs/001a23c7c665b96384310/model.safetensors","model_size":2084}', '', 0, 0, 0, 1796311115355, 1796311115407, 1796311115522, 1796311115407, '');


--
-- Data for Name: river_job; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--

INSERT INTO mlf_upgrade_fixture.river_job VALUES (1, 'completed', 1, 1, '2026-12-03 15:18:35.103081+00', '2026-12-03 15:18:35.073419+00', '2026-12-03 15:18:35.333265+00', '2026-12-03 15:18:35.073419+00', 1, '{"run_id": "001a23c7c653e09537a24", "attempt": 0}', '{vm_2026_12_03T15_18_35_004492}', NULL, 'mlforge_train', '{}', 'default', '{}', NULL, NULL);
INSERT INTO mlf_upgrade_fixture.river_job VALUES (2, 'completed', 1, 1, '2026-12-03 15:18:35.392675+00', '2026-12-03 15:18:35.3658+00', '2026-12-03 15:18:35.529384+00', '2026-12-03 15:18:35.3658+00', 1, '{"run_id": "001a23c7c665b96384310", "attempt": 0}', '{vm_2026_12_03T15_18_35_004492}', NULL, 'mlforge_train', '{}', 'default', '{}', NULL, NULL);


--
-- Data for Name: river_leader; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: river_migration; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--

INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 1, '2026-12-03 15:18:34.668744+00');
INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 2, '2026-12-03 15:18:34.722944+00');
INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 3, '2026-12-03 15:18:34.876885+00');
INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 4, '2026-12-03 15:18:34.884824+00');
INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 5, '2026-12-03 15:18:34.904359+00');
INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 6, '2026-12-03 15:18:34.956972+00');
INSERT INTO mlf_upgrade_fixture.river_migration VALUES ('main', 7, '2026-12-03 15:18:34.968707+00');


--
-- Data for Name: river_notification; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--



--
-- Data for Name: river_queue; Type: TABLE DATA; Schema: mlf_upgrade_fixture; Owner: -
--

INSERT INTO mlf_upgrade_fixture.river_queue VALUES ('default', '2026-12-03 15:18:35.024749+00', '{}', NULL, '2026-12-03 15:18:35.024749+00');


--
-- Name: river_job_id_seq; Type: SEQUENCE SET; Schema: mlf_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('mlf_upgrade_fixture.river_job_id_seq', 2, true);


--
-- Name: river_notification_id_seq; Type: SEQUENCE SET; Schema: mlf_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('mlf_upgrade_fixture.river_notification_id_seq', 1, false);


--
-- Name: mlf_datasets mlf_datasets_name_key; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_datasets
    ADD CONSTRAINT mlf_datasets_name_key UNIQUE (name);


--
-- Name: mlf_datasets mlf_datasets_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_datasets
    ADD CONSTRAINT mlf_datasets_pkey PRIMARY KEY (id);


--
-- Name: mlf_evaluations mlf_evaluations_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_evaluations
    ADD CONSTRAINT mlf_evaluations_pkey PRIMARY KEY (id);


--
-- Name: mlf_events mlf_events_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_events
    ADD CONSTRAINT mlf_events_pkey PRIMARY KEY (run_id, seq);


--
-- Name: mlf_items mlf_items_dataset_id_sha256_key; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_items
    ADD CONSTRAINT mlf_items_dataset_id_sha256_key UNIQUE (dataset_id, sha256);


--
-- Name: mlf_items mlf_items_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_items
    ADD CONSTRAINT mlf_items_pkey PRIMARY KEY (id);


--
-- Name: mlf_model_aliases mlf_model_aliases_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_model_aliases
    ADD CONSTRAINT mlf_model_aliases_pkey PRIMARY KEY (name, alias);


--
-- Name: mlf_run_tags mlf_run_tags_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_run_tags
    ADD CONSTRAINT mlf_run_tags_pkey PRIMARY KEY (run_id, key);


--
-- Name: mlf_runs mlf_runs_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_runs
    ADD CONSTRAINT mlf_runs_pkey PRIMARY KEY (id);


--
-- Name: river_job river_job_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_job
    ADD CONSTRAINT river_job_pkey PRIMARY KEY (id);


--
-- Name: river_leader river_leader_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_leader
    ADD CONSTRAINT river_leader_pkey PRIMARY KEY (name);


--
-- Name: river_migration river_migration_pkey1; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_migration
    ADD CONSTRAINT river_migration_pkey1 PRIMARY KEY (line, version);


--
-- Name: river_notification river_notification_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_notification
    ADD CONSTRAINT river_notification_pkey PRIMARY KEY (id);


--
-- Name: river_queue river_queue_pkey; Type: CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.river_queue
    ADD CONSTRAINT river_queue_pkey PRIMARY KEY (name);


--
-- Name: mlf_evaluations_run; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_evaluations_run ON mlf_upgrade_fixture.mlf_evaluations USING btree (run_id, id);


--
-- Name: mlf_items_label; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_items_label ON mlf_upgrade_fixture.mlf_items USING btree (dataset_id, label, id);


--
-- Name: mlf_items_sha; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_items_sha ON mlf_upgrade_fixture.mlf_items USING btree (sha256);


--
-- Name: mlf_points_run; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_points_run ON mlf_upgrade_fixture.mlf_points USING btree (run_id, series, step);


--
-- Name: mlf_run_tags_key; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_run_tags_key ON mlf_upgrade_fixture.mlf_run_tags USING btree (key, value);


--
-- Name: mlf_runs_created; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_runs_created ON mlf_upgrade_fixture.mlf_runs USING btree (created_at);


--
-- Name: mlf_runs_name; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_runs_name ON mlf_upgrade_fixture.mlf_runs USING btree (name, id);


--
-- Name: mlf_runs_status; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX mlf_runs_status ON mlf_upgrade_fixture.mlf_runs USING btree (status, id);


--
-- Name: river_job_args_index; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_job_args_index ON mlf_upgrade_fixture.river_job USING gin (args);


--
-- Name: river_job_kind; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_job_kind ON mlf_upgrade_fixture.river_job USING btree (kind);


--
-- Name: river_job_metadata_index; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_job_metadata_index ON mlf_upgrade_fixture.river_job USING gin (metadata);


--
-- Name: river_job_prioritized_fetching_index; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_job_prioritized_fetching_index ON mlf_upgrade_fixture.river_job USING btree (state, queue, priority, scheduled_at, id);


--
-- Name: river_job_state_and_finalized_at_index; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_job_state_and_finalized_at_index ON mlf_upgrade_fixture.river_job USING btree (state, finalized_at) WHERE (finalized_at IS NOT NULL);


--
-- Name: river_job_unique_idx; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE UNIQUE INDEX river_job_unique_idx ON mlf_upgrade_fixture.river_job USING btree (unique_key) WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL) AND mlf_upgrade_fixture.river_job_state_in_bitmask(unique_states, state));


--
-- Name: river_notification_created_at_idx; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_notification_created_at_idx ON mlf_upgrade_fixture.river_notification USING btree (created_at);


--
-- Name: river_notification_topic_id_idx; Type: INDEX; Schema: mlf_upgrade_fixture; Owner: -
--

CREATE INDEX river_notification_topic_id_idx ON mlf_upgrade_fixture.river_notification USING btree (topic, id);


--
-- Name: mlf_items mlf_items_dataset_id_fkey; Type: FK CONSTRAINT; Schema: mlf_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY mlf_upgrade_fixture.mlf_items
    ADD CONSTRAINT mlf_items_dataset_id_fkey FOREIGN KEY (dataset_id) REFERENCES mlf_upgrade_fixture.mlf_datasets(id);


--
-- PostgreSQL database dump complete
--


