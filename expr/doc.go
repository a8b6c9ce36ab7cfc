// Package expr implements DynamoDB's expression language: condition, filter,
// key condition, update and projection expressions, and the legacy
// parameters they replaced (Expected, QueryFilter, ScanFilter, KeyConditions,
// AttributeUpdates, AttributesToGet), all translated to one set of trees.
//
// # Phases
//
// An expression goes through the same phases as in DynamoDB, and the first
// problem found is the one reported, with DynamoDB's message:
//
//  1. Size (4096 UTF-16 code units), lexing and parsing: syntax errors name
//     DynamoDB's offending token and "near" text; redundant parentheses.
//  2. In text order: reserved words used as names, list indexes out of
//     range, unknown functions and functions used where they are not allowed.
//  3. Update expressions: each clause at most once; then, from the last
//     action to the first, target paths are resolved and merged into a tree
//     that must hold no overlapping or conflicting paths (projections too);
//     then the operands.
//  4. Bottom-up, left to right: #names and :values are resolved (undefined
//     ones are errors), path depth (32), operand counts and types, distinct
//     operands, IN (100 operands) and the operator count (300).
//
// Phase 1 depends only on the text and is cached (see cache.go): a parsed
// tree holds placeholders, and binding a request's names and values
// (phases 2-4) is cheap. Params records which names and values the
// request's expressions used, for CheckUnused.
//
// # Evaluation
//
// Condition.Eval compares values by DynamoDB's rules: numbers by value,
// strings and binaries bytewise, values of different types unequal and
// unordered; a missing attribute makes = and ordering comparisons false and
// <> true. Update.Apply evaluates every SET value against the old item,
// then applies all actions at once (list indexes refer to the old list; SET
// or ADD past the end of a list appends, in index order) and returns a new
// item that shares untouched values with the old one.
//
// # Sources
//
// Behaviour and messages were checked against DynamoDB Local and the
// recordings of real DynamoDB in dynalite's tests; the golden files in
// testdata/ hold the cases. Where the two disagree the package follows real
// DynamoDB, except where DynamoDB's behaviour evidently changed since
// dynalite recorded it (for example the "typeSet" suffix of ADD and DELETE
// operand errors, and which path an overlap message names).
package expr
