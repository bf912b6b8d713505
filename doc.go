// Package skillett is the domain of the Skillett API-key service: users and
// their plans, dashboard sessions, API keys and the principal a request acts
// as, the validation rules of SPEC §4–§5, and the Store interface that the
// sqlite and postgres packages implement.
//
// It imports only the standard library; every other package of the module
// may import it, and it imports none of them.
package skillett
