/**
 * Example operations: the explorer's first tabs, the README's first query and the test fixtures use
 * these same texts, so what a newcomer pastes is what CI proves.
 */
export const FIRST_QUERY = `query FirstLook {
  productionOrders(plant: "1000", first: 5) {
    totalCount
    edges {
      node {
        id
        status
        plannedQuantity
        unit
        confirmedQuantity
        producedQuantity
        progress
        material { id description baseUnit }
        workOrders { id status operations { sequence status goodQuantity equipment { name state } } }
      }
    }
  }
}`;

export const CROSS_SYSTEM_QUERY = `query CrossSystem($first: Int = 50, $plant: ID) {
  productionOrders(first: $first, plant: $plant) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id
        plant
        status
        plannedQuantity
        unit
        confirmedQuantity
        producedQuantity
        scrapQuantity
        progress
        material {
          id
          description
          baseUnit
          stock { plant storageLocation quantity unit }
          lots { id quantity unit status }
        }
        workOrders {
          id
          status
          quantity
          unit
          operations { sequence description status goodQuantity scrapQuantity equipment { id name state } }
        }
      }
    }
  }
}`;

export const ORDER_QUERY = `query Order($id: ID!) {
  productionOrder(id: $id) {
    id status plannedQuantity unit confirmedQuantity producedQuantity scrapQuantity progress
    routing { sequence description workCenter }
    workOrders { id status currentOperation { sequence description equipment { name state } } }
  }
}`;

/** Live: runs over graphql-ws from the explorer; `after` (an eventId) resumes after a reconnect. */
export const PROGRESS_SUBSCRIPTION = `subscription LiveProgress($plant: ID, $after: ID) {
  productionOrderProgress(plant: $plant, after: $after) {
    eventId occurredAt kind producedQuantity progress
    productionOrder { id plannedQuantity unit scrapQuantity material { description } }
    workOrder { id status currentOperation { sequence description equipment { name state } } }
  }
}`;

export const EXAMPLE_OPERATIONS = [
  { query: FIRST_QUERY },
  { query: CROSS_SYSTEM_QUERY, variables: JSON.stringify({ first: 50, plant: '1000' }, null, 2) },
  { query: ORDER_QUERY, variables: JSON.stringify({ id: '1000045' }, null, 2) },
  { query: PROGRESS_SUBSCRIPTION, variables: JSON.stringify({ plant: '1000' }, null, 2) },
];
