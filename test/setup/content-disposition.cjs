module.exports = require('./native-require.cjs')('content-disposition');
